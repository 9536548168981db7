import FunctionRuntime

/// One function's workers and the requests waiting for them. The master performs every system call
/// and tells the pool what happened; the decisions (admission, which worker, what has timed out,
/// what a worker's death or timeout means: see `FunctionPool+Supervision.swift`) are plain
/// functions of the pool's state and the workers' scoreboard stages.
struct FunctionPool {
    var spec: FunctionSpec
    var listener: UnixListener?
    var workers: [WorkerRecord] = []
    /// Bumped by every reload of the function: workers of an older generation run the old code or
    /// configuration and are replaced as soon as they are not running an invocation.
    var generation = 0
    /// The function was taken out of `func2url.json`: no listener, no workers once the running ones finish.
    var removed = false
    /// Requests waiting for a worker, oldest first.
    var queue: [PendingConnection] = []
    var statistics = PoolStatistics()
    /// Whether the master polls the listener (closed for a while after `accept` failed).
    var acceptGate = AcceptGate()
    /// Unexpected deaths (monotonic ns) within the policy's crash window.
    var recentDeaths: [UInt64] = []
    /// Workers taken out of service (timed out, replaced by a reload) and not reaped yet, by pid:
    /// their scoreboard slots, whose counts join the pool's when they are.
    var retiring: [Int32: ScoreboardSlot] = [:]

    init(spec: FunctionSpec, listener: UnixListener?) {
        self.spec = spec
        self.listener = listener
    }

    /// The scoreboards of the workers not reaped yet: the live ones and the retiring ones (killed
    /// at their timeout, replaced by a reload). With the gone workers' totals in `statistics`, they
    /// hold every invocation the pool has counted; a retiring worker's counts move into those
    /// totals when it is reaped, so the status page's numbers never dip in between.
    var unreapedScoreboards: [ScoreboardSlot] {
        workers.compactMap { $0.isAlive ? $0.scoreboard : nil } + retiring.values
    }

    /// How many workers the pool should have: the function's concurrency, none once removed.
    var desiredWorkers: Int { removed ? 0 : spec.configuration.concurrency }

    /// Starts a new generation: every live worker is asked to exit after its current invocation
    /// (and not to claim its held connection); the master replaces idle ones at once.
    mutating func roll() {
        generation += 1
        for worker in workers where worker.isAlive { worker.scoreboard?.requestRetire() }
    }

    /// Live workers of an older generation that are not running an invocation: safe to replace now.
    var replaceableWorkers: [WorkerIndex] {
        workers.places.filter { index in
            let worker = workers[index]
            return worker.isAlive && worker.generation < generation && (worker.stage == .idle || worker.stage == .holding)
        }
    }

    /// The worker whose control socket is `descriptor` (the master's end).
    func worker(forControl descriptor: Int32) -> WorkerIndex? {
        workers.firstIndex { $0.control == descriptor }.map { WorkerIndex($0) }
    }

    /// The live worker whose process is `pid`.
    func worker(forPid pid: Int32) -> WorkerIndex? {
        workers.firstIndex { $0.pid == pid && $0.isAlive }.map { WorkerIndex($0) }
    }

    /// Workers that could take a dispatch now (idle, or holding an idle connection).
    var availableCount: Int {
        workers.reduce(0) { count, worker in
            count + (worker.stage == .idle || worker.stage == .holding ? 1 : 0)
        }
    }

    /// Workers running an invocation (or about to, or answering one).
    var busyCount: Int {
        workers.reduce(0) { count, worker in
            guard let stage = worker.stage else { return count }
            return count + (stage == .idle || stage == .holding ? 0 : 1)
        }
    }

    /// Queues a new request, or returns false when it must be refused at once (429).
    mutating func enqueue(_ connection: PendingConnection, policy: SupervisionPolicy) -> Bool {
        let configuration = spec.configuration
        if policy.refusesAtOnce(
            queued: queue.count, maxQueue: configuration.maxQueue,
            queueTimeoutSeconds: configuration.queueTimeoutSeconds, idleWorkers: availableCount)
        {
            return false
        }
        queue.append(connection)
        statistics.maxQueued = max(statistics.maxQueued, queue.count)
        return true
    }

    /// The order in which to try workers for a dispatch: idle ones first (no connection to give
    /// back), then those holding an idle connection. Pure.
    static func dispatchOrder(_ stages: [ScoreboardSlot.Stage?]) -> [WorkerIndex] {
        let idle = stages.indices.filter { stages[$0] == .idle }
        let holding = stages.indices.filter { stages[$0] == .holding }
        return (idle + holding).map { WorkerIndex($0) }
    }

    /// Reserves a worker for the oldest waiting request (an atomic claim on its scoreboard slot, so
    /// a worker about to serve its held connection is never taken twice) and removes the request
    /// from the queue. Returns the worker and the stage it was in.
    mutating func reserveForNext() -> (worker: WorkerIndex, previous: ScoreboardSlot.Stage, connection: PendingConnection)? {
        guard !queue.isEmpty else { return nil }
        // Workers of an older generation (a reload is under way) take no new requests.
        for index in Self.dispatchOrder(workers.map { $0.generation == generation ? $0.stage : nil }) {
            guard let previous = workers[index].scoreboard?.tryReserve() else { continue }
            let connection = queue.removeFirst()
            return (index, previous, connection)
        }
        return nil
    }

    /// Removes and returns the waiting requests whose queue timeout has passed.
    mutating func expiredQueue(now: UInt64, policy: SupervisionPolicy) -> [PendingConnection] {
        let timeout = spec.configuration.queueTimeoutSeconds
        let expired = queue.filter { policy.queueDeadline(arrival: $0.arrivedAt, queueTimeoutSeconds: timeout) <= now }
        guard !expired.isEmpty else { return [] }
        queue.removeAll { policy.queueDeadline(arrival: $0.arrivedAt, queueTimeoutSeconds: timeout) <= now }
        statistics.throttled += expired.count
        return expired
    }

    /// Workers whose running invocation is past the function's timeout, with the state word read
    /// (the master's compare-and-swap names it) and what to do.
    func timedOut(now: UInt64, policy: SupervisionPolicy) -> [(worker: WorkerIndex, state: UInt32, verdict: TimeoutVerdict)] {
        workers.places.compactMap { index in
            guard workers[index].isAlive, let scoreboard = workers[index].scoreboard else { return nil }
            let state = scoreboard.state
            let stage = ScoreboardSlot.Stage(rawValue: Int32(state & 0xff))
            guard stage == .busy || stage == .responding else { return nil }
            let started = scoreboard.startedAt
            // The start read belongs to this invocation only if the state did not move meanwhile.
            guard scoreboard.state == state else { return nil }
            let verdict = policy.timeoutVerdict(
                writingAnswer: stage == .responding, start: started, timeoutSeconds: spec.configuration.timeoutSeconds, now: now)
            return verdict == .none ? nil : (index, state, verdict)
        }
    }

    /// Records an unexpected death and returns when to respawn.
    mutating func recordDeath(now: UInt64, policy: SupervisionPolicy) -> UInt64 {
        recentDeaths = policy.pruned(recentDeaths, now: now) + [now]
        return now + policy.respawnDelay(recentDeaths: recentDeaths.count)
    }

    /// The earliest moment something in this pool needs the master (a queue timeout, a respawn),
    /// or nil. Invocation timeouts are checked on the master's regular tick: invocations on held
    /// connections start without telling it.
    func nextWakeUp(policy: SupervisionPolicy) -> UInt64? {
        var earliest: UInt64? = acceptGate.resumeAt
        for worker in workers { if let respawnAt = worker.respawnAt { earliest = min(earliest ?? respawnAt, respawnAt) } }
        if let oldest = queue.first {
            let deadline = policy.queueDeadline(arrival: oldest.arrivedAt, queueTimeoutSeconds: spec.configuration.queueTimeoutSeconds)
            earliest = min(earliest ?? deadline, deadline)
        }
        return earliest
    }

    /// Asks this pool's workers to say when they become free (while requests wait), or stops asking.
    func setNotify(_ notify: Bool) {
        for worker in workers where worker.isAlive {
            if let scoreboard = worker.scoreboard, scoreboard.notify != notify { scoreboard.notify = notify }
        }
    }
}
