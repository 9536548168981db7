#if canImport(Glibc)
import Glibc
#endif

/// What the master must do after its pool decided about a worker (its death, its timeout): the
/// pool has already changed its own state (counters, the worker's record, its crash history);
/// these are the answers and system calls left, to be carried out in order.
enum WorkerAction: Equatable {
    /// Answer an invocation whose own answer will never come (502 for a crash, 504 for a
    /// timeout), close its connection once written, and log the invocation.
    case answerFailed(FailedInvocation)
    /// Close a connection whose answer was cut off: the worker died writing it.
    case closeConnection(UInt64)
    /// Put a connection back first in the pool's queue: dispatched, but its request never started.
    case requeue(connection: UInt64)
    /// Watch a connection for its next request: the worker held it, idle.
    case watch(connection: UInt64)
    /// SIGKILL a worker process (not reaped yet, so the pid is still its).
    case kill(pid: pid_t)
    /// Close the master's end of a worker's control socket.
    case closeControl(Int32)
    /// Start a worker process in this place now.
    case spawn(WorkerIndex)
    /// Log that a worker process died unexpectedly, and the invocation it ran (if any).
    case logCrash(pid: pid_t, cause: String, requestId: String?)
}

/// An invocation the master answers in its worker's stead.
struct FailedInvocation: Equatable {
    enum Reason: Equatable {
        /// The worker process died: its exit, as the log says it.
        case crashed(cause: String)
        /// It ran past the function's timeout (seconds).
        case timedOut(seconds: Double)
    }

    /// The master's id of the connection to answer on.
    var connection: UInt64
    var request: RequestSummary
    /// When the invocation started (monotonic ns).
    var startedAt: UInt64
    var reason: Reason
}
