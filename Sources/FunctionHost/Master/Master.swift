#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FunctionRuntime

/// The master process of `fnhost serve` (php-fpm's model, with Lambda semantics).
///
/// It is the only process that accepts: each function has a unix socket nginx connects to. A new
/// connection is watched until its request arrives, queued, and handed to an idle worker of that
/// function over the worker's control socket (the descriptor travels with SCM_RIGHTS). A worker
/// keeps a kept-alive connection after its response and serves the next requests on it directly,
/// recording each in its scoreboard slot (shared memory) without involving the master; when the
/// master needs that worker for another request it reserves its scoreboard slot atomically and the
/// worker lets the connection go back to the master.
///
/// Because the master keeps its own descriptor of every connection (`ConnectionTable`), it can
/// answer for a worker that died (502) or ran past its timeout (504), answer 429 when no worker
/// frees up within the queue timeout, and never strands a kept-alive connection on a busy worker.
/// Its own answers go through `AnswerOutbox`, so a slow reader never blocks the loop. The pools
/// decide what a worker's death or timeout means (`FunctionPool+Supervision.swift`), and
/// `HostLifecycle` what a signal does; the master carries the decisions out.
public final class Master {
    var pools: [FunctionPool]
    let options: HostOptions
    let log: InvocationLog
    /// Every open nginx connection (and timer invocation), and the answers the master writes itself.
    var connections = ConnectionTable()
    var companions: [(process: CompanionProcess, pid: pid_t, startedAt: UInt64)] = []
    /// Whether the drain has asked the `stopsWhenIdle` companions to stop.
    var idleCompanionsStopped = false
    var signals: Int32 = -1
    /// Starting, serving, draining until a deadline, stopping (see `HostLifecycle`).
    var lifecycle = HostLifecycle()
    /// How often the master checks invocations against their timeouts, ms. 100.
    let tickMilliseconds: Int32 = 100
    /// Timer triggers' schedules.
    var scheduler: TriggerScheduler
    /// Invocations the master started itself (timers), by the descriptor their answer arrives on.
    var triggerRuns: [Int32: TriggerRun] = [:]
    /// The status page and trigger control (nil when `options.admin` is off).
    let adminListener: UnixListener?
    /// Admin requests being read: descriptor -> bytes so far.
    var adminConnections: [Int32: [UInt8]] = [:]
    /// The admin listener's pauses after a failed `accept`, and how many there were.
    var adminAcceptGate = AcceptGate()
    var adminAcceptPauses = 0
    let statusCollector: StatusCollector
    /// The cluster's timer election, nil when the host fires its timers alone.
    let election: TimerElection?
    let startedAt = Clock.monotonicNanoseconds()
    /// Hot reload (see `Master+Reload.swift`): the functions folder's watcher, the changes gathered
    /// until they settle, running preparations (environment builds) by pid -> pool, and pools whose
    /// files changed again while preparing.
    var watcher: FileWatcher?
    var debouncer = ChangeDebouncer()
    var preparing: [pid_t: PoolIndex] = [:]
    var pendingPreparations: Set<PoolIndex> = []

    public init(catalog: FunctionCatalog, options: HostOptions, companions: [CompanionProcess] = [], log: InvocationLog = InvocationLog()) throws(SystemCallError) {
        self.options = options
        self.log = log
        var pools: [FunctionPool] = []
        for spec in catalog.functions {
            let listener = try UnixListener(path: options.socketPath(for: spec.name), group: options.socketGroup)
            pools.append(FunctionPool(spec: spec, listener: listener))
        }
        self.pools = pools
        self.companions = companions.map { ($0, 0, 0) }
        adminListener = options.admin ? try UnixListener(path: options.adminSocketPath, group: options.socketGroup) : nil
        let election = options.timerElection.map(TimerElection.init(settings:))
        self.election = election
        // In a cluster only the leader reports the shared task queue, so summing hosts counts it once.
        statusCollector = StatusCollector(
            providers: options.statusProviders,
            isWanted: { election?.leads(now: Clock.monotonicNanoseconds()) ?? true })
        let timersOn = options.timers
        scheduler = TriggerScheduler(
            triggers: pools.places.map { index in
                (index, pools[index].spec.configuration.triggers.map { trigger in
                    var scheduled = trigger
                    scheduled.enabled = trigger.enabled && timersOn
                    return scheduled
                })
            },
            now: Clock.epochMilliseconds() / 1000)
    }

    /// Runs until SIGTERM, SIGINT or SIGQUIT, then drains: running invocations finish (up to the
    /// longest timeout plus the policy's grace), nginx is stopped gracefully, workers exit. Each
    /// turn of the loop services the deadlines (queue, invocation and answer timeouts, respawns),
    /// reloads, timers and dispatches, then polls every descriptor the master watches.
    public func run() throws(SystemCallError) {
        // Swift's crash backtracer would print pages into the JSON log and delay the respawn; the
        // crash line names the signal. SWIFT_BACKTRACE set by the user wins.
        setenv("SWIFT_BACKTRACE", "enable=no", 0)
        // nginx takes its signals the same way, through a signalfd.
        signals = try SignalFeed.open()
        defer { close(signals) }

        let now = Clock.monotonicNanoseconds()
        for index in pools.places {
            for _ in 0..<pools[index].spec.configuration.concurrency {
                pools[index].workers.append(spawnWorker(pool: index, now: now))
            }
        }
        if let path = options.companionRecordPath {
            // A host killed outright (SIGKILL) on this run folder may have left its nginx holding the port.
            let stopped = CompanionRecordFile.reclaim(path: path)
            if !stopped.companions.isEmpty || stopped.orphans > 0 {
                log.event("reclaimed", [
                    "companions": .array(stopped.companions.map { .string($0) }), "orphans": .number(Double(stopped.orphans)),
                ])
            }
        }
        for index in companions.indices { startCompanion(index) }
        startWatching()
        election?.start()
        statusCollector.start()
        log.event("host_started", [
            "functions": .array(pools.map { .string($0.spec.name) }),
            "workers": .number(Double(pools.reduce(0) { $0 + $1.workers.count })),
        ])

        _ = lifecycle.handle(.started)
        loop: while true {
            let now = Clock.monotonicNanoseconds()
            serviceTimers(now: now)
            serviceReload(now: now)
            serviceTriggers()
            dispatchAll()
            let drained = lifecycle.isWindingDown && finishedDraining()
            switch lifecycle.handle(.tick(now: now, drained: drained)) {
            case .shutDown: break loop
            case .stopTakingWork: stopTakingWork()
            default: break
            }
            logElectionReports()
            log.flush()
            try pollOnce(timeoutMilliseconds: pollTimeout(now: now))
        }
        shutDown()
    }

    // MARK: - Loop steps

    private func pollTimeout(now: UInt64) -> Int32 {
        var earliest = lifecycle.nextWakeUp ?? .max
        if let reload = reloadWakeUp { earliest = min(earliest, reload) }
        if let resume = adminAcceptGate.resumeAt { earliest = min(earliest, resume) }
        if let answerDeadline = connections.outbox.nextDeadline { earliest = min(earliest, answerDeadline) }
        for pool in pools {
            if let wake = pool.nextWakeUp(policy: options.policy) { earliest = min(earliest, wake) }
        }
        guard earliest > now else { return 0 }
        var timeout = Int32(min(UInt64(tickMilliseconds), (earliest - now + 999_999) / 1_000_000))
        if let fire = scheduler.nextWakeUp {
            let untilFire = fire * 1000 - Clock.epochMilliseconds()
            timeout = Int32(max(0, min(Int64(timeout), untilFire)))
        }
        return timeout
    }

    private func pollOnce(timeoutMilliseconds: Int32) throws(SystemCallError) {
        enum Source {
            case signals, listener(PoolIndex), control(PoolIndex), connection(Int32), answering(Int32), triggerClient(Int32), adminListener,
                admin(Int32), watcher
        }
        var descriptors: [pollfd] = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
        var sources: [Source] = [.signals]
        if let watcher, !lifecycle.isWindingDown {
            descriptors.append(pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0))
            sources.append(.watcher)
        }
        descriptors.reserveCapacity(8 + connections.watched.count)
        let now = Clock.monotonicNanoseconds()
        for index in pools.places {
            let pool = pools[index]
            if !lifecycle.isWindingDown || !companions.isEmpty, pool.acceptGate.isOpen(now: now), let listener = pool.listener {
                descriptors.append(pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0))
                sources.append(.listener(index))
            }
            for worker in pool.workers where worker.control >= 0 {
                descriptors.append(pollfd(fd: worker.control, events: Int16(POLLIN), revents: 0))
                sources.append(.control(index))
            }
        }
        for descriptor in connections.watched.keys {
            descriptors.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
            sources.append(.connection(descriptor))
        }
        for descriptor in connections.outbox.descriptors {
            descriptors.append(pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0))
            sources.append(.answering(descriptor))
        }
        for descriptor in triggerRuns.keys {
            descriptors.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
            sources.append(.triggerClient(descriptor))
        }
        if let adminListener, !lifecycle.isWindingDown, adminAcceptGate.isOpen(now: now) {
            descriptors.append(pollfd(fd: adminListener.descriptor, events: Int16(POLLIN), revents: 0))
            sources.append(.adminListener)
        }
        for descriptor in adminConnections.keys {
            descriptors.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
            sources.append(.admin(descriptor))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return }
            throw SystemCallError("poll", errno: errno)
        }
        guard ready > 0 else { return }
        for (position, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
            switch sources[position] {
            case .signals: handleSignals()
            case .listener(let pool): acceptConnections(pool: pool)
            case .control(let pool): readControl(pool: pool, descriptor: descriptor.fd)
            case .connection(let connection): connectionReadable(connection)
            case .answering(let descriptor): connections.outbox.writable(descriptor)
            case .triggerClient(let descriptor): triggerClientReadable(descriptor)
            case .adminListener: acceptAdmin()
            case .admin(let descriptor): adminReadable(descriptor)
            case .watcher: watcherReadable()
            }
        }
    }

    private func serviceTimers(now: UInt64) {
        let dropped = connections.outbox.expire(now: now)
        if dropped > 0 {
            log.event("answers_dropped", level: "warning", ["count": .number(Double(dropped)), "reason": "the peer read nothing in time"])
        }
        for index in pools.places {
            for pending in pools[index].expiredQueue(now: now, policy: options.policy) {
                refuse(pending, pool: index)
            }
            serviceTimeouts(pool: index, now: now)
            pools[index].statistics.maxActive = max(pools[index].statistics.maxActive, pools[index].busyCount)
            for worker in pools[index].dueRespawns(now: now, respawning: !lifecycle.isWindingDown) {
                pools[index].workers[worker] = spawnWorker(pool: index, now: now)
            }
        }
    }
}
