import FunctionRuntime
import Postgres

/// A task this worker holds the lease of: what it needs to process it, and the fencing token every
/// later write must name.
public struct ClaimedTask: Sendable, Equatable {
    public var id: String
    /// The claim's fencing token (a UUID); a write naming an older token updates nothing.
    public var leaseToken: String
    public var personImage: String
    public var garments: [Garment]
    public var promptHints: String?
    /// Garments finished before this claim.
    public var step: Int
    public var totalSteps: Int
    /// The prediction of `step` created by an earlier attempt: resume it rather than create another.
    public var currentPredictionId: String?
    /// Our copy of the last finished step's output: the next step's `human_img`.
    public var intermediateURL: String?
    /// This claim's attempt number (1 = first).
    public var attempt: Int
    public var maxAttempts: Int
    /// Failed predictions of the current step so far (one is retried, the next fails the task).
    public var predictionRetries: Int
    /// The task's wall-clock deadline, seconds since the Unix epoch.
    public var deadlineEpochSeconds: Double

    public init(
        id: String, leaseToken: String, personImage: String, garments: [Garment], promptHints: String?, step: Int,
        totalSteps: Int, currentPredictionId: String?, intermediateURL: String?, attempt: Int, maxAttempts: Int,
        predictionRetries: Int, deadlineEpochSeconds: Double
    ) {
        self.id = id
        self.leaseToken = leaseToken
        self.personImage = personImage
        self.garments = garments
        self.promptHints = promptHints
        self.step = step
        self.totalSteps = totalSteps
        self.currentPredictionId = currentPredictionId
        self.intermediateURL = intermediateURL
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.predictionRetries = predictionRetries
        self.deadlineEpochSeconds = deadlineEpochSeconds
    }

    /// The columns a claim returns (`RETURNING` of the claims from `pending` and from `waiting`),
    /// qualified by the table alias `t`.
    static let returningColumns = """
        t.id, t.lease_token, t.person_image, t.garments, t.prompt_hints, t.step, t.total_steps,
        t.current_prediction_id, t.intermediate_url, t.attempt, t.max_attempts,
        t.prediction_retries, extract(epoch FROM t.deadline_at)::float8 AS deadline_epoch
        """

    init?(row: PostgresRow) {
        guard let id = row["id"], let token = row["lease_token"], let person = row["person_image"] else { return nil }
        let garments = Self.parseGarments(row["garments"] ?? "[]")
        self.init(
            id: id, leaseToken: token, personImage: person, garments: garments, promptHints: Self.promptHints(row["prompt_hints"]),
            step: Int(row["step"] ?? "") ?? 0, totalSteps: max(Int(row["total_steps"] ?? "") ?? 1, garments.count),
            currentPredictionId: row["current_prediction_id"], intermediateURL: row["intermediate_url"],
            attempt: Int(row["attempt"] ?? "") ?? 1, maxAttempts: Int(row["max_attempts"] ?? "") ?? 5,
            predictionRetries: Int(row["prediction_retries"] ?? "") ?? 0,
            deadlineEpochSeconds: Double(row["deadline_epoch"] ?? "") ?? 0)
    }

    /// The stored `prompt_hints`, nil when absent or blank: the original start function stored `''`
    /// when the page sent none, and an empty description is no description.
    static func promptHints(_ stored: String?) -> String? {
        guard let stored, stored.contains(where: { !$0.isWhitespace }) else { return nil }
        return stored
    }

    /// The `human_img` of `step`: the person photo first, then our copy of the previous output.
    public func humanImage(forStep step: Int) -> String {
        step == 0 ? personImage : (intermediateURL ?? personImage)
    }

    /// The `garments` column: a JSON list of `{"image", "category"}` objects or of bare URLs (rows
    /// written by the original application). Entries that are neither are skipped.
    static func parseGarments(_ text: String) -> [Garment] {
        guard case .array(let items)? = try? JSONValue.parse(text) else { return [] }
        return items.compactMap { item in
            switch item {
            case .string(let url): return Garment(image: url, category: .upperBody)
            case .object(let members):
                guard let image = members["image"]?.stringValue ?? members["url"]?.stringValue else { return nil }
                let category = members["category"]?.stringValue.flatMap(GarmentCategory.init(rawValue:)) ?? .upperBody
                return Garment(image: image, category: category)
            default: return nil
            }
        }
    }
}
