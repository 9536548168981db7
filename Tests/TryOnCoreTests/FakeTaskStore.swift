@testable import TryOnCore

/// A task store in memory for `TaskProcessor`'s unit tests: it records every call in order, and
/// answers as scripted (the lease held unless `leaseLost`, completions a webhook "recorded",
/// the task a webhook made claimable again). The real store is tested against PostgreSQL.
final class FakeTaskStore: TaskProcessingStore {
    /// One call as the processor made it.
    enum Call: Equatable {
        case renewLease
        case park(step: Int, predictionId: String, checkAfterSeconds: Double)
        case recordedCompletion(predictionId: String)
        case claimWaiting(predictionId: String)
        case completeStep(step: Int, outputURL: String)
        /// The `postgres` backend's write: the step and its file in one.
        case completeStepStoring(step: Int, name: String, contentType: String, bytes: [UInt8], outputURL: String)
        case dropPrediction(countsAsRetry: Bool)
        case finish(resultURL: String)
        case settle(retryable: Bool, delaySeconds: Double, code: String, keepPrediction: Bool)
        case snooze(delaySeconds: Double)
    }

    private(set) var calls: [Call] = []
    /// Every fenced write finds the lease gone from this write on (counting from 0), when set.
    var leaseLostFromWrite: Int?
    /// Completions recorded by a webhook, by prediction id.
    var recorded: [String: Prediction] = [:]
    /// What `claimWaiting` hands back (a webhook's completion made the task claimable), by prediction id.
    var claimable: [String: ClaimedTask] = [:]
    /// The status `settle` answers with a retry (`pending`) or without (`failed`).
    var settledStatus: (retryable: TaskStatus, final: TaskStatus) = (.pending, .failed)
    private var writes = 0

    /// The writes only (no reads), in order.
    var writeCalls: [Call] {
        calls.filter {
            switch $0 {
            case .recordedCompletion, .claimWaiting: false
            default: true
            }
        }
    }

    private func write(_ call: Call) -> Bool {
        calls.append(call)
        defer { writes += 1 }
        return leaseLostFromWrite.map { writes < $0 } ?? true
    }

    func renewLease(_ task: ClaimedTask, seconds: Double) throws(TryOnError) -> Bool {
        write(.renewLease)
    }

    func park(_ task: ClaimedTask, step: Int, predictionId: String, checkAfterSeconds: Double) throws(TryOnError) -> Bool {
        write(.park(step: step, predictionId: predictionId, checkAfterSeconds: checkAfterSeconds))
    }

    func recordedCompletion(predictionId: String) throws(TryOnError) -> Prediction? {
        calls.append(.recordedCompletion(predictionId: predictionId))
        return recorded[predictionId]
    }

    func claimWaiting(predictionId: String, workerId: String, leaseSeconds: Double) throws(TryOnError) -> ClaimedTask? {
        calls.append(.claimWaiting(predictionId: predictionId))
        return claimable.removeValue(forKey: predictionId)
    }

    func completeStep(_ task: ClaimedTask, step: Int, outputURL: String) throws(TryOnError) -> Bool {
        write(.completeStep(step: step, outputURL: outputURL))
    }

    func completeStep(_ task: ClaimedTask, step: Int, storing file: ResultFile, outputURL: String) throws(TryOnError) -> Bool {
        write(.completeStepStoring(step: step, name: file.name, contentType: file.contentType, bytes: file.bytes, outputURL: outputURL))
    }

    func dropPrediction(_ task: ClaimedTask, countsAsRetry: Bool) throws(TryOnError) -> Bool {
        write(.dropPrediction(countsAsRetry: countsAsRetry))
    }

    func finish(_ task: ClaimedTask, resultURL: String) throws(TryOnError) -> Bool {
        write(.finish(resultURL: resultURL))
    }

    func settle(
        _ task: ClaimedTask, retryable: Bool, delaySeconds: Double, code: String, message: String, keepPrediction: Bool
    ) throws(TryOnError) -> TaskStatus? {
        let held = write(.settle(retryable: retryable, delaySeconds: delaySeconds, code: code, keepPrediction: keepPrediction))
        return held ? (retryable ? settledStatus.retryable : settledStatus.final) : nil
    }

    func snooze(_ task: ClaimedTask, delaySeconds: Double, reason: String) throws(TryOnError) -> TaskStatus? {
        write(.snooze(delaySeconds: delaySeconds)) ? .pending : nil
    }
}
