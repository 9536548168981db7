#if canImport(Glibc)
import Glibc
#endif

/// The master's record of one worker process. What the worker is doing lives in its scoreboard
/// slot (shared memory); this is what only the master knows.
struct WorkerSlot {
    var pid: pid_t
    /// The master's end of the worker's control socket (-1 when dead).
    var control: Int32
    /// The worker's scoreboard slot (nil when dead).
    var scoreboard: ScoreboardSlot?
    /// When a dead worker is respawned (monotonic ns); nil while it runs.
    var respawnAt: UInt64?
    /// The connection the master last gave this worker, which it serves or holds (by id).
    var ownedConnection: UInt64?
    /// The pool generation it was started for (see `FunctionPool.generation`).
    var generation = 0

    static func dead(respawnAt: UInt64) -> WorkerSlot {
        WorkerSlot(pid: 0, control: -1, scoreboard: nil, respawnAt: respawnAt, ownedConnection: nil)
    }

    var isAlive: Bool { respawnAt == nil && pid > 0 }

    /// The stage the scoreboard reports (nil for a dead worker).
    var stage: ScoreboardSlot.Stage? { isAlive ? scoreboard?.stage : nil }
}

/// A connection waiting for a worker.
struct PendingConnection {
    /// The master's id for the connection.
    var id: UInt64
    var descriptor: Int32
    /// Arrival time (monotonic ns).
    var arrivedAt: UInt64
    var request = RequestSummary()
}

/// The start of a request as the master peeks at it: enough to answer and log for a worker.
struct RequestSummary: Equatable {
    /// The FastCGI request id (nginx uses 1).
    var fastCGIRequestId: UInt16 = 1
    /// The request's UUID (`FNHOST_REQUEST_ID`), or "" when it had not arrived yet.
    var requestId: String = ""
    var method: String = ""
}
