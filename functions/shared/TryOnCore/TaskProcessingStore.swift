/// What `TaskProcessor` asks of the task store: the fenced writes that move one claimed task along
/// (each names the claim's lease token and answers false, or nil, when the lease was lost) and the
/// read of a completion a webhook recorded. `TaskStore` is the real one, on PostgreSQL.
public protocol TaskProcessingStore {
    /// Extends the claim's lease to `seconds` from now.
    func renewLease(_ task: ClaimedTask, seconds: Double) throws(TryOnError) -> Bool
    /// Checkpoints `predictionId` for `step` and parks the task `waiting` (checked again after
    /// `checkAfterSeconds` unless a webhook brings it back first).
    func park(_ task: ClaimedTask, step: Int, predictionId: String, checkAfterSeconds: Double) throws(TryOnError) -> Bool
    /// The completion of `predictionId` a webhook recorded, if any.
    func recordedCompletion(predictionId: String) throws(TryOnError) -> Prediction?
    /// Claims back the task waiting for `predictionId`, nil when none waits for it.
    func claimWaiting(predictionId: String, workerId: String, leaseSeconds: Double) throws(TryOnError) -> ClaimedTask?
    /// Records `step` as done with our copy of its output (already in the folder nginx serves).
    func completeStep(_ task: ClaimedTask, step: Int, outputURL: String) throws(TryOnError) -> Bool
    /// Records `step` as done and stores its output `file` in the same fenced write (the `postgres`
    /// storage backend): a lost lease writes neither.
    func completeStep(_ task: ClaimedTask, step: Int, storing file: ResultFile, outputURL: String) throws(TryOnError) -> Bool
    /// Forgets the current step's prediction (counted as a retry of the step when `countsAsRetry`).
    func dropPrediction(_ task: ClaimedTask, countsAsRetry: Bool) throws(TryOnError) -> Bool
    /// Completes the task with `resultURL`.
    func finish(_ task: ClaimedTask, resultURL: String) throws(TryOnError) -> Bool
    /// Ends this attempt with an error; the new status, nil when the lease was lost.
    func settle(
        _ task: ClaimedTask, retryable: Bool, delaySeconds: Double, code: String, message: String, keepPrediction: Bool
    ) throws(TryOnError) -> TaskStatus?
    /// Gives the task back without using an attempt; the new status, nil when the lease was lost.
    func snooze(_ task: ClaimedTask, delaySeconds: Double, reason: String) throws(TryOnError) -> TaskStatus?
}

extension TaskStore: TaskProcessingStore {}
