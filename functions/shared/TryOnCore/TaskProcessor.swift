#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Moves one claimed task along its garment chain (one `cuuupid/idm-vton` prediction per garment,
/// each step's output, copied to our storage, the next step's `human_img`) without ever waiting
/// for a prediction to run: it creates the prediction, checkpoints it and parks the task
/// (`waiting`, no process held); Replicate's webhook or the worker's timer brings it back when the
/// prediction has ended, and this type takes the next step.
///
/// Crash safety, step by step:
/// - the prediction id is checkpointed in the same write that parks the task, before anything
///   else, so a task is never left with a billed prediction nobody knows of;
/// - a completion reported before that write landed is recorded by the webhook, and read here right
///   after parking, so no completion is lost to the race;
/// - each finished step is recorded with our copy of its output before the next one starts;
/// - every write names the claim's lease token; 0 rows updated means the task was rescued from us,
///   and we stop at once without touching it again.
public struct TaskProcessor {
    /// What one call did to its task.
    public struct Outcome: Sendable, Equatable {
        public var message: String
        /// The task's status afterwards (`waiting`, `completed`, `pending`, `failed`), or
        /// `lease_lost` / `interrupted`.
        public var status: String
        /// Garments finished so far.
        public var stepsDone: Int
    }

    /// The lease was lost (the task was rescued from this worker): stop without touching it again.
    private struct LeaseLost: Error {}

    /// The largest output file copied, bytes (20 MB).
    static let maxOutputBytes = 20_000_000

    let store: any TaskProcessingStore
    let replicate: any PredictionService
    let settings: TryOnWorkerSettings
    let context: Context
    var policy = RetryPolicy()
    /// The monotonic clock lease renewals are timed on, nanoseconds (tests move one of their own).
    var monotonicNanoseconds: () -> UInt64 = Clock.monotonicNanoseconds
    /// Spends a pause between retries, seconds (tests record it instead of waiting).
    var pause: (Double) -> Void = { seconds in usleep(useconds_t(seconds * 1_000_000)) }
    /// The retry policy's jitter, in [0, 1).
    var jitter: () -> Double = { Double.random(in: 0..<1) }
    private var lastRenewal: UInt64 = 0

    public init(store: any TaskProcessingStore, replicate: any PredictionService, settings: TryOnWorkerSettings, context: Context) {
        self.store = store
        self.replicate = replicate
        self.settings = settings
        self.context = context
    }

    /// A task claimed from `pending`: new, retried, or given back with its prediction kept (then
    /// that prediction is resumed: read once, and waited for if it still runs).
    public mutating func start(_ claimed: ClaimedTask) -> Outcome {
        run(claimed, ended: nil)
    }

    /// A task claimed from `waiting` because its prediction ended, as `prediction` reports.
    public mutating func advance(_ claimed: ClaimedTask, ended prediction: Prediction) -> Outcome {
        run(claimed, ended: prediction)
    }

    private mutating func run(_ claimed: ClaimedTask, ended: Prediction?) -> Outcome {
        var task = claimed
        var known = ended
        lastRenewal = monotonicNanoseconds()
        do {
            while true {
                if task.step >= task.totalSteps {
                    guard try store.finish(task, resultURL: task.intermediateURL ?? "") else { throw LeaseLost() }
                    return Outcome(message: "Task completed", status: TaskStatus.completed.rawValue, stepsDone: task.step)
                }
                guard task.step < task.garments.count else {
                    return try conclude(.fail(code: "invalid_task", message: "The task's garments list is unreadable"), task)
                }
                guard remaining() > settings.reserveMilliseconds else {
                    return try snooze(task, seconds: 0, reason: "invocation time ran short before step \(task.step + 1)")
                }
                try renewLeaseIfDue(task)
                guard let id = task.currentPredictionId else {
                    switch try createAndPark(&task) {
                    case .parked(let outcome): return outcome
                    case .ended(let prediction): known = prediction
                    case .concluded(let outcome): return outcome
                    }
                    continue
                }
                let prediction: Prediction
                if let report = known, report.id == id {
                    prediction = report
                    known = nil
                } else {
                    switch try read(id, task: task) {
                    case .prediction(let read): prediction = read
                    case .concluded(let outcome): return outcome
                    case .recreate:
                        // Replicate no longer knows it and the store dropped it: the step needs a new one.
                        task.currentPredictionId = nil
                        continue
                    }
                }
                guard prediction.isTerminal else {
                    switch try park(&task, prediction) {
                    case .parked(let outcome), .concluded(let outcome): return outcome
                    case .ended(let report): known = report
                    }
                    continue
                }
                if let outcome = try finishStep(&task, prediction) { return outcome }
            }
        } catch is LeaseLost {
            return Outcome(message: "Lease lost: the task was taken over; stopped", status: "lease_lost", stepsDone: task.step)
        } catch let error as TryOnError {
            // The database failed mid-task: the lease expires and a later sweep gives the task back.
            return Outcome(message: "Stopped: \(error.message)", status: "interrupted", stepsDone: task.step)
        } catch {
            return Outcome(message: "Stopped: \(error)", status: "interrupted", stepsDone: task.step)
        }
    }

    private enum ParkResult {
        /// The task waits for its prediction.
        case parked(Outcome)
        /// The prediction ended before the park landed, and this call claimed the task back: go on
        /// with that report.
        case ended(Prediction)
        /// The create failed and the task was settled.
        case concluded(Outcome)
    }

    /// Creates the current step's prediction and parks the task waiting for it.
    private mutating func createAndPark(_ task: inout ClaimedTask) throws -> ParkResult {
        // A create can take a whole call's budget: renew first, so the lease cannot lapse between
        // the create and its checkpoint (which would orphan a billed prediction).
        try renewLeaseIfDue(task, force: true)
        switch createPrediction(task, step: task.step) {
        case .success(let created):
            return try park(&task, created)
        case .failure(let failure):
            let decision = policy.decide(failure, phase: .create, tries: 0, attempt: task.attempt, jitter: jitter())
            return .concluded(try conclude(decision, task))
        }
    }

    /// Parks the task waiting for `prediction` (checkpointing its id), then looks for a completion
    /// reported while this call held the task: such a delivery found no waiting task and only
    /// recorded the completion, so whoever claims the task back now advances it.
    private mutating func park(_ task: inout ClaimedTask, _ prediction: Prediction) throws -> ParkResult {
        let step = task.step
        guard try store.park(task, step: step, predictionId: prediction.id, checkAfterSeconds: settings.waitCheckSeconds) else {
            throw LeaseLost()
        }
        let parked = Outcome(message: "Waiting for prediction \(prediction.id)", status: TaskStatus.waiting.rawValue, stepsDone: step)
        let report = prediction.isTerminal ? prediction : try store.recordedCompletion(predictionId: prediction.id)
        guard let report,
            let again = try store.claimWaiting(predictionId: prediction.id, workerId: settings.workerId, leaseSeconds: settings.leaseSeconds)
        else { return .parked(parked) }
        task = again
        lastRenewal = monotonicNanoseconds()
        return .ended(report)
    }

    private enum ReadResult {
        case prediction(Prediction)
        case recreate
        case concluded(Outcome)
    }

    /// The stored prediction's state: a recorded completion, else one GET (retried briefly on a
    /// transient failure). Replicate no longer knowing it means a new prediction.
    private mutating func read(_ id: String, task: ClaimedTask) throws -> ReadResult {
        if let recorded = try store.recordedCompletion(predictionId: id) { return .prediction(recorded) }
        let get = { [replicate] (budget: Int) throws(ReplicateFailure) in try replicate.get(id, budgetMilliseconds: budget) }
        switch try idempotentCall(task, renewFirst: false, get) {
        case .value(let prediction): return .prediction(prediction)
        case .recreate: return .recreate
        case .concluded(let outcome): return .concluded(outcome)
        }
    }

    /// An ended prediction of the current step: on success its output is copied and the step
    /// recorded (nil: go on with the next step); a failure is retried with a new prediction or
    /// settles the task as the policy says.
    private mutating func finishStep(_ task: inout ClaimedTask, _ prediction: Prediction) throws -> Outcome? {
        let step = task.step
        guard prediction.status == .succeeded, let output = prediction.output else {
            let decision = policy.decide(
                prediction: prediction, retriesSoFar: task.predictionRetries, attempt: task.attempt, jitter: jitter())
            guard decision == .recreatePrediction else { return try conclude(decision, task) }
            guard try store.dropPrediction(task, countsAsRetry: true) else { throw LeaseLost() }
            task.predictionRetries += 1
            task.currentPredictionId = nil
            return nil
        }
        // A download can take a whole call's budget: the lease is renewed first.
        let download = { [replicate] (budget: Int) throws(ReplicateFailure) in try replicate.download(output, budgetMilliseconds: budget, maxBytes: Self.maxOutputBytes) }
        switch try idempotentCall(task, renewFirst: true, download) {
        case .value(let download):
            let copy = try keep(download.bytes, contentType: download.contentType, of: task, step: step)
            task.step += 1
            task.intermediateURL = copy
            task.currentPredictionId = nil
            task.predictionRetries = 0
            return nil
        case .recreate:
            // Replicate no longer has the prediction or its output: the step needs a new one.
            task.currentPredictionId = nil
            return nil
        case .concluded(let outcome):
            return outcome
        }
    }

    /// Copies step `step`'s output into our storage and records the step (one fenced write with the
    /// bytes for the `postgres` backend; for `files`, the file first, then the write). Returns the
    /// copy's public URL, the next step's input.
    private func keep(_ bytes: [UInt8], contentType: String?, of task: ClaimedTask, step: Int) throws -> String {
        let storage = settings.storage
        let file = try storage.file(bytes, taskId: task.id, step: step, contentType: contentType)
        let url = storage.url(taskId: file.taskId, name: file.name)
        switch storage.backend {
        case .files:
            try storage.write(file)
            guard try store.completeStep(task, step: step, outputURL: url) else { throw LeaseLost() }
        case .postgres:
            guard try store.completeStep(task, step: step, storing: file, outputURL: url) else { throw LeaseLost() }
            // This host's copy, so that its nginx serves the file from disk. Best effort: the row is
            // the file, and any host copies it on its first read.
            try? storage.write(file)
        }
        return url
    }

    private enum CallResult<Value> {
        case value(Value)
        /// The prediction is gone (404): it was dropped from the task.
        case recreate
        case concluded(Outcome)
    }

    /// Runs an idempotent call (a read, a download) with the call's budget, retrying transient
    /// failures in this invocation as the policy says (renewing the lease before each retry, and
    /// before the first when `renewFirst`), dropping a prediction Replicate no longer knows, or
    /// settling the task.
    private mutating func idempotentCall<Value>(
        _ task: ClaimedTask, renewFirst: Bool, _ call: (Int) throws(ReplicateFailure) -> Value
    ) throws -> CallResult<Value> {
        var tries = 0
        while true {
            try renewLeaseIfDue(task, force: renewFirst || tries > 0)
            let budget = budget()
            switch Result(catching: { () throws(ReplicateFailure) in try call(budget) }) {
            case .success(let value): return .value(value)
            case .failure(let failure):
                let decision = policy.decide(failure, phase: .poll, tries: tries, attempt: task.attempt, jitter: jitter())
                switch decision {
                case .retryNow(let seconds):
                    sleep(seconds: seconds)
                    tries += 1
                case .recreatePrediction:
                    guard try store.dropPrediction(task, countsAsRetry: false) else { throw LeaseLost() }
                    return .recreate
                default:
                    return .concluded(try conclude(decision, task))
                }
            }
        }
    }

    private func createPrediction(_ task: ClaimedTask, step: Int) -> Result<Prediction, ReplicateFailure> {
        let garment = task.garments[step]
        let input: JSONValue = [
            "human_img": .string(task.humanImage(forStep: step)),
            "garm_img": .string(garment.image),
            "garment_des": .string(task.promptHints ?? Self.description(of: garment.category)),
            "category": .string(garment.category.rawValue),
            "crop": false,
            "steps": 30,
            "seed": 42,
        ]
        let budget = budget()
        return Result { () throws(ReplicateFailure) in
            try replicate.create(
                version: settings.modelVersion, input: input, cancelAfter: settings.cancelAfter,
                webhook: settings.webhookURL.map { WebhookTag.url($0, taskId: task.id, step: step) }, budgetMilliseconds: budget)
        }
    }

    /// Ends this call's work on the task as `decision` says: given back (snooze), retried later
    /// (uses an attempt), or failed for good.
    private func conclude(_ decision: RetryPolicy.Decision, _ task: ClaimedTask) throws -> Outcome {
        let status: TaskStatus?
        switch decision {
        case .snooze(let seconds):
            return try snooze(task, seconds: seconds, reason: "Replicate asked to wait (rate limited)")
        case .fail(let code, let message):
            status = try store.settle(task, retryable: false, delaySeconds: 0, code: code, message: message, keepPrediction: false)
        case .retryLater(let seconds, let code, let message, let keepPrediction):
            status = try store.settle(
                task, retryable: true, delaySeconds: seconds, code: code, message: message, keepPrediction: keepPrediction)
        case .retryNow, .recreatePrediction:
            status = try store.settle(
                task, retryable: true, delaySeconds: 1, code: "retry", message: "Retrying", keepPrediction: false)
        }
        guard let status else { throw LeaseLost() }
        return Outcome(message: "Task settled", status: status.rawValue, stepsDone: task.step)
    }

    private func snooze(_ task: ClaimedTask, seconds: Double, reason: String) throws -> Outcome {
        guard let status = try store.snooze(task, delaySeconds: seconds, reason: reason) else { throw LeaseLost() }
        return Outcome(message: "Checkpointed: \(reason)", status: status.rawValue, stepsDone: task.step)
    }

    /// Renews the lease when a third of it has passed since the last renewal, or (`force`) before a
    /// call that may take a while, unless it was renewed within the last second.
    private mutating func renewLeaseIfDue(_ task: ClaimedTask, force: Bool = false) throws {
        let now = monotonicNanoseconds()
        let sinceRenewal = Double(now > lastRenewal ? now - lastRenewal : 0) / 1e9
        guard sinceRenewal >= settings.leaseSeconds / 3 || (force && sinceRenewal >= 1) else { return }
        guard try store.renewLease(task, seconds: settings.leaseSeconds) else { throw LeaseLost() }
        lastRenewal = now
    }

    private func remaining() -> Int64 { context.remainingTimeInMillis() }

    /// A single call's time: what is left before the reserve, at most a third of the lease (so the
    /// lease, renewed before each call, never lapses during one), at least the shortest call.
    private func budget() -> Int {
        let left = Int(remaining() - settings.reserveMilliseconds / 2)
        return max(TryOnWorkerSettings.minimumCallMilliseconds, min(settings.longestCallMilliseconds, left))
    }

    /// Pauses between retries, never past the reserve nor longer than one call may take.
    private func sleep(seconds: Double) {
        let ceiling = min(Double(settings.longestCallMilliseconds), Double(max(0, remaining() - settings.reserveMilliseconds)))
        let limited = min(seconds, ceiling / 1000)
        guard limited > 0 else { return }
        pause(limited)
    }

    static func description(of category: GarmentCategory) -> String {
        switch category {
        case .upperBody: "upper body garment"
        case .lowerBody: "lower body garment"
        case .dresses: "dress"
        }
    }
}
