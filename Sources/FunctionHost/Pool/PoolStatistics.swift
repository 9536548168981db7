/// Counters of one function's pool since the host started, for the log and the status page.
public struct PoolStatistics: Sendable, Equatable {
    /// Requests answered 429 because no worker became free in time or the queue was full.
    public var throttled: Int = 0
    /// Invocations that ran past the function's timeout.
    public var timeouts: Int = 0
    /// Worker processes that died unexpectedly (with or without an invocation).
    public var crashes: Int = 0
    /// Worker processes started after the first generation.
    public var respawns: Int = 0
    /// Workers recycled after `maxRequests` or over their memory limit.
    public var recycled: Int = 0
    /// Workers replaced because the function's code or configuration changed (hot reload, SIGHUP).
    public var reloaded: Int = 0
    /// Reloads of the function (pool generations after the first).
    public var reloads: Int = 0
    /// The most invocations running at once.
    public var maxActive: Int = 0
    /// Times accepting on the function's socket paused because `accept` failed (out of descriptors).
    public var acceptPauses: Int = 0
    /// The longest the queue of waiting requests has been.
    public var maxQueued: Int = 0
    /// Invocations completed, errors and slow invocations by worker processes that are gone (the
    /// live ones report theirs in the scoreboard).
    public var completedByGoneWorkers: Int = 0
    public var failedByGoneWorkers: Int = 0
    public var slowByGoneWorkers: Int = 0

    public init() {}
}
