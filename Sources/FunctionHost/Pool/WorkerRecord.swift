#if canImport(Glibc)
import Glibc
#endif

/// The master's record of the process in one worker place of a pool. What the worker is doing
/// lives in its scoreboard slot (shared memory); this is what only the master knows.
struct WorkerRecord {
    var pid: pid_t
    /// The master's end of the worker's control socket (-1 when dead).
    var control: Int32
    /// The worker's scoreboard slot (nil when dead).
    var scoreboard: ScoreboardSlot?
    /// When a dead worker is respawned (monotonic ns); nil while it runs, `.max` for never.
    var respawnAt: UInt64?
    /// The connection the master last gave this worker, which it serves or holds (by id).
    var ownedConnection: UInt64?
    /// The pool generation it was started for (see `FunctionPool.generation`).
    var generation = 0

    static func dead(respawnAt: UInt64) -> WorkerRecord {
        WorkerRecord(pid: 0, control: -1, scoreboard: nil, respawnAt: respawnAt, ownedConnection: nil)
    }

    var isAlive: Bool { respawnAt == nil && pid > 0 }

    /// The stage the scoreboard reports (nil for a dead worker).
    var stage: ScoreboardSlot.Stage? { isAlive ? scoreboard?.stage : nil }
}
