#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import TryOnCore

/// Processes one claimed task: for each remaining garment, one `cuuupid/idm-vton` prediction whose
/// output (copied to our storage) is the next step's `human_img`.
///
/// Crash safety, step by step:
/// - the prediction id is checkpointed as soon as Replicate returns it, so a worker killed while
///   waiting is resumed by a later claim that GETs the same prediction (no second, billed create);
/// - each finished step is recorded with our copy of its output before the next one starts;
/// - every write names the claim's lease token; 0 rows updated means the task was rescued from us,
///   and we stop at once without touching it again;
/// - the lease is renewed while polling; when the invocation's time runs short the task is given
///   back (`snooze`, no attempt used) with its prediction kept, and the next invocation continues.
struct TaskProcessor {
    struct Outcome {
        var message: String
        var status: String
        var stepsDone: Int
    }

    /// The lease was lost (the task was rescued from this worker): stop without touching it again.
    private struct LeaseLost: Error {}

    let store: TaskStore
    let replicate: ReplicateClient
    let storage: ResultStorage
    let settings: WorkerSettings
    let context: Context
    var policy = RetryPolicy()
    private var lastRenewal = Clock.monotonicNanoseconds()

    init(store: TaskStore, replicate: ReplicateClient, storage: ResultStorage, settings: WorkerSettings, context: Context) {
        self.store = store
        self.replicate = replicate
        self.storage = storage
        self.settings = settings
        self.context = context
    }

    mutating func process(_ claimed: ClaimedTask) -> Outcome {
        var task = claimed
        do {
            while task.step < task.totalSteps {
                guard task.step < task.garments.count else {
                    return try conclude(.fail(code: "invalid_task", message: "The task's garments list is unreadable"), task)
                }
                guard remaining() > settings.reserveMilliseconds * 2 else {
                    return try snooze(task, seconds: 0, reason: "invocation time ran short before step \(task.step + 1)")
                }
                try renewLeaseIfDue(task)
                if let outcome = try runStep(&task) { return outcome }
            }
            guard try store.finish(task, resultURL: task.intermediateURL ?? "") else { throw LeaseLost() }
            return Outcome(message: "Task completed", status: TaskStatus.completed.rawValue, stepsDone: task.step)
        } catch is LeaseLost {
            return Outcome(message: "Lease lost: the task was taken over; stopped", status: "lease_lost", stepsDone: task.step)
        } catch let error as TryOnError {
            // The database failed mid-task: the lease expires and a later sweep gives the task back.
            return Outcome(message: "Stopped: \(error.message)", status: "interrupted", stepsDone: task.step)
        } catch {
            return Outcome(message: "Stopped: \(error)", status: "interrupted", stepsDone: task.step)
        }
    }

    /// One garment: create (or resume) its prediction, wait for it, copy its output. Returns an
    /// outcome when this invocation's work on the task ends here, nil when the step is done.
    private mutating func runStep(_ task: inout ClaimedTask) throws -> Outcome? {
        let step = task.step
        var tries = 0
        while true {
            if task.currentPredictionId == nil {
                // A create can take a whole call's budget: renew first, so the lease cannot lapse
                // between the create and its checkpoint (which would orphan a billed prediction).
                try renewLeaseIfDue(task, force: true)
                switch createPrediction(task, step: step) {
                case .success(let prediction):
                    guard try store.checkpointPrediction(task, step: step, predictionId: prediction.id) else {
                        throw LeaseLost()
                    }
                    task.currentPredictionId = prediction.id
                case .failure(let failure):
                    let decision = policy.decide(failure, phase: .create, tries: 0, attempt: task.attempt, jitter: jitter())
                    return try conclude(decision, task)
                }
            }
            guard let id = task.currentPredictionId else { continue }
            let decision: RetryPolicy.Decision
            switch try poll(id, task: task) {
            case .stop(let outcome):
                return outcome
            case .failure(let failure):
                decision = policy.decide(failure, phase: .poll, tries: tries, attempt: task.attempt, jitter: jitter())
            case .finished(let prediction):
                guard prediction.status == .succeeded, let output = prediction.output else {
                    decision = policy.decide(
                        prediction: prediction, retriesSoFar: task.predictionRetries, attempt: task.attempt,
                        jitter: jitter())
                    if decision == .recreatePrediction { task.predictionRetries += 1 }
                    if let outcome = try apply(decision, to: &task, countsAsRetry: true) { return outcome }
                    continue
                }
                try renewLeaseIfDue(task, force: true)
                let budget = budget()
                switch Result(catching: { () throws(ReplicateFailure) in try replicate.download(output, budgetMilliseconds: budget) }) {
                case .success(let file):
                    let copy = try storage.store(file.bytes, taskId: task.id, step: step, contentType: file.contentType)
                    guard try store.completeStep(task, step: step, outputURL: copy) else { throw LeaseLost() }
                    task.step += 1
                    task.intermediateURL = copy
                    task.currentPredictionId = nil
                    task.predictionRetries = 0
                    return nil
                case .failure(let failure):
                    decision = policy.decide(failure, phase: .poll, tries: tries, attempt: task.attempt, jitter: jitter())
                }
            }
            tries += 1
            if let outcome = try apply(decision, to: &task, countsAsRetry: false) { return outcome }
        }
    }

    /// Carries out a decision: nil to go on in this invocation (after a pause, or with a new
    /// prediction), or the outcome that ends the work here.
    private mutating func apply(_ decision: RetryPolicy.Decision, to task: inout ClaimedTask, countsAsRetry: Bool) throws -> Outcome? {
        switch decision {
        case .retryNow(let seconds):
            sleep(seconds: seconds)
            return nil
        case .recreatePrediction:
            guard try store.dropPrediction(task, countsAsRetry: countsAsRetry) else { throw LeaseLost() }
            task.currentPredictionId = nil
            return nil
        default:
            return try conclude(decision, task)
        }
    }

    private enum PollResult {
        case finished(Prediction)
        case failure(ReplicateFailure)
        case stop(Outcome)
    }

    /// GETs the prediction until it is terminal, renewing the lease; gives the task back when the
    /// invocation's time runs short.
    private mutating func poll(_ id: String, task: ClaimedTask) throws -> PollResult {
        let started = Clock.monotonicNanoseconds()
        while true {
            if remaining() < settings.reserveMilliseconds {
                return .stop(try snooze(task, seconds: 0, reason: "invocation time ran short while the prediction ran"))
            }
            try renewLeaseIfDue(task)
            let prediction: Prediction
            switch Result(catching: { () throws(ReplicateFailure) in try replicate.get(id, budgetMilliseconds: budget()) }) {
            case .success(let read): prediction = read
            case .failure(let failure): return .failure(failure)
            }
            if prediction.isTerminal { return .finished(prediction) }
            let elapsed = Clock.monotonicNanoseconds() - started
            let interval = settings.pollIntervalMilliseconds * (elapsed > 10_000_000_000 ? 2 : 1)
            sleep(seconds: Double(interval) / 1000)
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
                version: settings.modelVersion, input: input, cancelAfter: settings.cancelAfter, budgetMilliseconds: budget)
        }
    }

    /// Ends this invocation's work on the task as `decision` says: given back (snooze), retried
    /// later (uses an attempt), or failed for good.
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
        let now = Clock.monotonicNanoseconds()
        let sinceRenewal = Double(now - lastRenewal) / 1e9
        guard sinceRenewal >= settings.leaseSeconds / 3 || (force && sinceRenewal >= 1) else { return }
        guard try store.renewLease(task, seconds: settings.leaseSeconds) else { throw LeaseLost() }
        lastRenewal = now
    }

    private func remaining() -> Int64 { context.remainingTimeInMillis() }

    /// A single call's time: what is left before the reserve, at most 15 s (so the lease, renewed
    /// every third of its length, never lapses during one call).
    private func budget() -> Int {
        Int(max(500, min(15_000, remaining() - settings.reserveMilliseconds / 2)))
    }

    private func jitter() -> Double { Double.random(in: 0..<1) }

    private func sleep(seconds: Double) {
        let limited = min(seconds, Double(max(0, remaining() - settings.reserveMilliseconds)) / 1000)
        guard limited > 0 else { return }
        usleep(useconds_t(limited * 1_000_000))
    }

    static func description(of category: GarmentCategory) -> String {
        switch category {
        case .upperBody: "upper body garment"
        case .lowerBody: "lower body garment"
        case .dresses: "dress"
        }
    }
}
