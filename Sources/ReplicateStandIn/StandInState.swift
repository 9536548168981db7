/// Everything the stand-in remembers, kept behind one `Mutex` in ``ReplicateStandInService``.
///
/// A plain value type so that every mutation happens inside `withLock` and no reference escapes.
/// Holds the predictions (by id, plus creation order for listing), the armed fault switches and
/// the call log.
struct StandInState: Sendable {
    var predictions: [String: PredictionRecord] = [:]
    /// Prediction ids, oldest first.
    var order: [String] = []
    var faults = FaultSettings()
    var calls: [CallRecord] = []
    /// Last call sequence number handed out.
    var lastSequence = 0
    /// Most calls kept (oldest dropped first).
    let maxRecordedCalls: Int

    init(maxRecordedCalls: Int) {
        self.maxRecordedCalls = max(1, maxRecordedCalls)
    }

    /// Appends `call` with the next sequence number and the current wall time.
    mutating func record(_ call: CallRecord) {
        var call = call
        lastSequence += 1
        call.sequence = lastSequence
        calls.append(call)
        if calls.count > maxRecordedCalls { calls.removeFirst(calls.count - maxRecordedCalls) }
    }

    /// Adds `milliseconds` to the `heldMs` of the create that made prediction `id` (a sync-mode
    /// wait ends after the call was logged). Nothing happens when that call left the log.
    mutating func addHeld(_ milliseconds: Int, toCreateOf id: String) {
        guard let index = calls.lastIndex(where: { $0.kind == .create && $0.predictionID == id }) else { return }
        calls[index].heldMs += milliseconds
    }

    /// A fresh prediction id of 26 lowercase letters and digits, like Replicate's, unused so far.
    mutating func newPredictionID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        while true {
            let id = String((0..<26).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
            if predictions[id] == nil { return id }
        }
    }

    /// The garments already on `humanImage`: when it mentions a known prediction id (its output
    /// URL, or a copy whose name keeps the id), that prediction's layers; otherwise none.
    /// Only the newest 1,000 predictions are searched.
    func layers(under humanImage: String) -> [GarmentLayer] {
        for id in order.suffix(1000).reversed() where humanImage.contains(id) {
            if let previous = predictions[id], previous.failure == nil { return previous.layers }
        }
        return []
    }

    /// The current status of prediction `id`, or nil when unknown.
    func status(of id: String, at now: ContinuousClock.Instant) -> String? {
        guard let record = predictions[id] else { return nil }
        return record.snapshot(elapsedMs: record.elapsedMs(at: now)).status
    }
}
