/// A connection waiting for a worker.
struct PendingConnection {
    /// The master's id for the connection.
    var id: UInt64
    var descriptor: Int32
    /// Arrival time (monotonic ns).
    var arrivedAt: UInt64
    var request = RequestSummary()
}
