#if canImport(Glibc)
import Glibc
#endif

/// The master's record of one worker process: php-fpm's scoreboard entry.
struct WorkerSlot {
    enum State {
        /// Waiting for an invocation.
        case idle
        /// Serving `invocation`.
        case busy(RunningInvocation)
        /// Said it will exit (recycled after `maxRequests` or over its memory limit).
        case retiring
        /// Gone; respawn at `respawnAt` (monotonic ns).
        case dead(respawnAt: UInt64)
    }

    var pid: pid_t
    /// The master's end of the worker's control socket (-1 when dead).
    var control: Int32
    var state: State
    /// Invocations this process has served.
    var served: Int = 0

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    var invocation: RunningInvocation? {
        if case .busy(let invocation) = state { return invocation }
        return nil
    }
}

/// An invocation in a worker, as the master tracks it.
struct RunningInvocation {
    /// The master's descriptor of the nginx connection (kept for timeout and crash answers).
    var connection: Int32
    /// When it was dispatched and when it times out (monotonic ns).
    var dispatchedAt: UInt64
    var deadline: UInt64
    /// What the master read of the request before dispatching it (for timeout and crash answers
    /// and their log lines).
    var request: RequestSummary
}

/// The start of a request as the master peeks at it: enough to answer and log for a worker.
struct RequestSummary: Equatable {
    /// The FastCGI request id (nginx uses 1).
    var fastCGIRequestId: UInt16 = 1
    /// The request's UUID (`FNHOST_REQUEST_ID`), or "" when it had not arrived yet.
    var requestId: String = ""
    var method: String = ""
}

/// A connection waiting for a worker.
struct PendingConnection {
    var descriptor: Int32
    /// Arrival time (monotonic ns).
    var arrivedAt: UInt64
    var request = RequestSummary()
}
