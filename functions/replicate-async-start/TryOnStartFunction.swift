import FunctionRuntime
import Hashing
import HTTPClient
import Postgres
import TryOnCore

/// `replicate-async-start` (POST): validates a try-on request, stores it as a `pending` task and
/// answers at once with its id; then triggers `replicate-async-worker` once, fire-and-forget (the
/// response never waits for the worker; the worker's timer picks up anything a lost trigger leaves).
///
/// Environment: `DATABASE_URL`, `MAIN_DB_SCHEMA`; `WORKER_URL` (default: the worker's URL from
/// func2url.json, mapped to this host); `WORKER_TOKEN` (sent as `X-Worker-Token`);
/// `TASK_DEADLINE_SECONDS` (default 600); `TASK_MAX_ATTEMPTS` (default 5);
/// `WORKER_TRIGGER` (`off` disables the trigger, for tests of the timer).
public struct TryOnStartFunction: CloudFunction {
    /// Seconds a page should expect per garment (the model takes 15-60 s per prediction).
    static let secondsPerGarment = 45

    private var store: TaskStore?
    private let validator = TryOnRequestValidator()
    private let trigger: BackgroundSender
    private let workerURL: String?
    private let workerToken: String?
    private let deadlineSeconds: Double
    private let maxAttempts: Int

    public init() throws {
        let environment = ProcessEnvironment.current
        trigger = BackgroundSender(threads: 2, maxPending: 32)
        workerURL =
            environment["WORKER_TRIGGER"] == "off"
            ? nil : environment["WORKER_URL"] ?? FunctionURL.local(for: TryOnFunctionURL.worker, environment: environment)
        workerToken = environment["WORKER_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        deadlineSeconds = Double(environment["TASK_DEADLINE_SECONDS"] ?? "") ?? 600
        maxAttempts = Int(environment["TASK_MAX_ATTEMPTS"] ?? "") ?? 5
    }

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        switch event.httpMethod {
        case "OPTIONS": return CORS.preflight(methods: "POST, OPTIONS")
        case "POST": break
        default: throw TryOnError(.methodNotAllowed, "Use POST to start a try-on", headers: Self.headers)
        }
        let userId = try RequestIdentity.requireUserId(event)
        let request = try validator.validate(body: try RequestIdentity.bodyText(event))
        let idempotencyKey = try Self.idempotencyKey(event)
        let hash = idempotencyKey.map { _ in SHA256.hex(Array(request.canonicalText.utf8)) }

        let store = try openStore()
        let outcome = try store.insert(
            id: UUIDText.random(), userId: userId, request: request, idempotencyKey: idempotencyKey, requestHash: hash,
            deadlineSeconds: deadlineSeconds, maxAttempts: maxAttempts)
        let taskId: String
        switch outcome {
        case .created(let id):
            taskId = id
            triggerWorker(requestId: context.requestId)
        case .existing(let id, sameRequest: true):
            taskId = id
        case .existing:
            throw TryOnError(
                .idempotencyConflict, "This Idempotency-Key was already used with a different request", headers: Self.headers)
        }
        var body = JSONText(capacity: 128)
        body.add("task_id", taskId)
        body.add("status", TaskStatus.pending.rawValue)
        body.add("estimated_time_seconds", Self.secondsPerGarment * request.garments.count)
        return CORS.json(200, body.finish())
    }

    static let headers = CORS.headers.merging(["Access-Control-Allow-Methods": "POST, OPTIONS"]) { _, new in new }

    private mutating func openStore() throws(TryOnError) -> TaskStore {
        if let store { return store }
        let opened = try TaskStore()
        store = opened
        return opened
    }

    /// Fire-and-forget GET of the worker: a short timeout, the answer ignored; a full queue drops it.
    private func triggerWorker(requestId: String) {
        guard let workerURL else { return }
        var headers = [HTTPHeader(name: "X-Triggered-By", value: "replicate-async-start \(requestId)")]
        if let workerToken { headers.append(HTTPHeader(name: "X-Worker-Token", value: workerToken)) }
        trigger.send(
            HTTPClientRequest(
                method: "GET", url: workerURL, headers: headers, connectTimeoutMilliseconds: 500,
                timeoutMilliseconds: 1500, maxResponseBytes: 65_536))
    }

    /// `Idempotency-Key`: optional, 1-200 printable characters.
    static func idempotencyKey(_ event: Event) throws(TryOnError) -> String? {
        guard let raw = event.header("Idempotency-Key") else { return nil }
        let key = raw.trimmedASCIIWhitespace
        guard !key.isEmpty, key.utf8.count <= 200, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw TryOnError(.invalidRequest, "Idempotency-Key must be 1-200 printable characters", headers: headers)
        }
        return key
    }
}
