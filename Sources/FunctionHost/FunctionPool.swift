import FunctionRuntime

/// One function's workers and the requests waiting for them. The bookkeeping is pure: the master
/// performs every system call and tells the pool what happened, so the queueing and dispatch rules
/// are tested without processes.
struct FunctionPool {
    let spec: FunctionSpec
    let listener: UnixListener?
    var workers: [WorkerSlot] = []
    /// Requests waiting for a worker, oldest first.
    var queue: [PendingConnection] = []
    var statistics = PoolStatistics()
    /// Unexpected deaths (monotonic ns) within the policy's crash window.
    var recentDeaths: [UInt64] = []

    init(spec: FunctionSpec, listener: UnixListener?) {
        self.spec = spec
        self.listener = listener
    }

    var idleCount: Int { workers.reduce(0) { $0 + ($1.isIdle ? 1 : 0) } }
    var activeCount: Int { workers.reduce(0) { $0 + ($1.invocation == nil ? 0 : 1) } }

    func slot(forControl descriptor: Int32) -> Int? {
        workers.firstIndex { $0.control == descriptor }
    }

    func slot(forPid pid: Int32) -> Int? {
        workers.firstIndex { $0.pid == pid }
    }

    /// Queues a new request, or returns false when it must be refused at once (429).
    mutating func enqueue(_ connection: PendingConnection, policy: SupervisionPolicy) -> Bool {
        let configuration = spec.configuration
        if policy.refusesAtOnce(
            queued: queue.count, maxQueue: configuration.maxQueue,
            queueTimeoutSeconds: configuration.queueTimeoutSeconds, idleWorkers: idleCount)
        {
            return false
        }
        queue.append(connection)
        statistics.maxQueued = max(statistics.maxQueued, queue.count)
        return true
    }

    /// Pairs the oldest waiting request with an idle worker, marking the worker busy.
    mutating func nextDispatch(now: UInt64, policy: SupervisionPolicy) -> (slot: Int, invocation: RunningInvocation)? {
        guard !queue.isEmpty, let index = workers.firstIndex(where: { $0.isIdle }) else { return nil }
        let connection = queue.removeFirst()
        let invocation = RunningInvocation(
            connection: connection.descriptor, dispatchedAt: now,
            deadline: policy.invocationDeadline(start: now, timeoutSeconds: spec.configuration.timeoutSeconds),
            request: connection.request)
        workers[index].state = .busy(invocation)
        statistics.accepted += 1
        statistics.maxActive = max(statistics.maxActive, activeCount)
        return (index, invocation)
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

    /// Workers whose invocation is past its deadline.
    func timedOut(now: UInt64) -> [Int] {
        workers.indices.filter { (workers[$0].invocation?.deadline ?? .max) <= now }
    }

    /// Records an unexpected death and returns when to respawn.
    mutating func recordDeath(now: UInt64, policy: SupervisionPolicy) -> UInt64 {
        recentDeaths = policy.pruned(recentDeaths, now: now) + [now]
        return now + policy.respawnDelay(recentDeaths: recentDeaths.count)
    }

    /// The earliest moment something in this pool needs the master (a deadline, a queue timeout,
    /// a respawn), or nil.
    func nextWakeUp(policy: SupervisionPolicy) -> UInt64? {
        var earliest: UInt64?
        func consider(_ time: UInt64) { earliest = min(earliest ?? time, time) }
        for worker in workers {
            switch worker.state {
            case .busy(let invocation): consider(invocation.deadline)
            case .dead(let respawnAt): consider(respawnAt)
            default: break
            }
        }
        if let oldest = queue.first {
            consider(policy.queueDeadline(arrival: oldest.arrivedAt, queueTimeoutSeconds: spec.configuration.queueTimeoutSeconds))
        }
        return earliest
    }
}
