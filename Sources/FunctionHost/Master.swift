#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FastCGI
import FunctionRuntime

/// The master process of `fnhost serve` (php-fpm's model, with Lambda semantics).
///
/// It is the only process that accepts: each function has a unix socket that nginx connects to; the
/// master queues each connection and hands it to an idle worker of that function over the worker's
/// control socket (the descriptor travels with SCM_RIGHTS). Because the master keeps its own
/// descriptor of every connection, it can answer for a worker that died (502) or ran past its
/// timeout (504), answer 429 when no worker frees up within the queue timeout, and hold kept-alive
/// nginx connections without pinning a worker to them. One thread, one `poll` loop over the signalfd,
/// the listeners, the control sockets and the idle kept-alive connections.
public final class Master {
    var pools: [FunctionPool]
    let options: HostOptions
    let log: InvocationLog
    /// Connections with no request in flight -> their pool: new ones whose request has not arrived
    /// yet, and kept-alive ones between requests. A connection is admitted when it turns readable,
    /// so the master can peek at its request before handing it on.
    var idleConnections: [Int32: Int] = [:]
    var companions: [(process: CompanionProcess, pid: pid_t)] = []
    var signals: Int32 = -1
    var draining = false
    /// Scratch space for peeking at request starts (BEGIN_REQUEST and PARAMS fit in 8 KiB).
    var peekBuffer = [UInt8](repeating: 0, count: 8192)
    var drainDeadline: UInt64 = .max

    public init(catalog: FunctionCatalog, options: HostOptions, companions: [CompanionProcess] = [], log: InvocationLog = InvocationLog()) throws(SystemCallError) {
        self.options = options
        self.log = log
        var pools: [FunctionPool] = []
        for spec in catalog.functions {
            let listener = try UnixListener(path: options.socketPath(for: spec.name))
            pools.append(FunctionPool(spec: spec, listener: listener))
        }
        self.pools = pools
        self.companions = companions.map { ($0, 0) }
    }

    /// Runs until SIGTERM, SIGINT or SIGQUIT, then drains: running invocations finish (up to the
    /// longest timeout plus the policy's grace), nginx is stopped gracefully, workers exit.
    public func run() throws(SystemCallError) {
        // Swift's crash backtracer would print pages into the JSON log and delay the respawn; the
        // crash line names the signal. SWIFT_BACKTRACE set by the user wins.
        setenv("SWIFT_BACKTRACE", "enable=no", 0)
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP] { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        signals = try systemCall("signalfd") { fh_signalfd_open(&blocked) }
        defer { close(signals) }

        let now = Clock.monotonicNanoseconds()
        for index in pools.indices {
            for _ in 0..<pools[index].spec.configuration.concurrency {
                let slot = spawnWorker(pool: index, now: now)
                pools[index].workers.append(slot)
            }
        }
        for index in companions.indices { startCompanion(index) }
        log.event("host_started", [
            "functions": .array(pools.map { .string($0.spec.name) }),
            "workers": .number(Double(pools.reduce(0) { $0 + $1.workers.count })),
        ])

        while true {
            let now = Clock.monotonicNanoseconds()
            serviceTimers(now: now)
            dispatchAll(now: Clock.monotonicNanoseconds())
            if draining, finishedDraining() || now >= drainDeadline { break }
            log.flush()
            try pollOnce(timeoutMilliseconds: pollTimeout(now: now))
        }
        shutDown()
    }

    // MARK: - Loop steps

    private func pollTimeout(now: UInt64) -> Int32 {
        var earliest = draining ? drainDeadline : UInt64.max
        for pool in pools {
            if let wake = pool.nextWakeUp(policy: options.policy) { earliest = min(earliest, wake) }
        }
        guard earliest != .max else { return 1000 }
        guard earliest > now else { return 0 }
        return Int32(min(1000, (earliest - now + 999_999) / 1_000_000))
    }

    private func pollOnce(timeoutMilliseconds: Int32) throws(SystemCallError) {
        enum Source { case signals, listener(Int), control(Int), kept(Int32) }
        var descriptors: [pollfd] = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
        var sources: [Source] = [.signals]
        for (index, pool) in pools.enumerated() {
            if !draining || !companions.isEmpty, let listener = pool.listener {
                descriptors.append(pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0))
                sources.append(.listener(index))
            }
            for worker in pool.workers where worker.control >= 0 {
                descriptors.append(pollfd(fd: worker.control, events: Int16(POLLIN), revents: 0))
                sources.append(.control(index))
            }
        }
        for connection in idleConnections.keys {
            descriptors.append(pollfd(fd: connection, events: Int16(POLLIN), revents: 0))
            sources.append(.kept(connection))
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
            case .control(let pool): readControl(pool: pool, descriptor: descriptor.fd, untilEnded: true)
            case .kept(let connection): connectionReadable(connection)
            }
        }
    }

    private func serviceTimers(now: UInt64) {
        for index in pools.indices {
            for pending in pools[index].expiredQueue(now: now, policy: options.policy) {
                refuse(pending.descriptor, pool: index, arrivedAt: pending.arrivedAt)
            }
            for slot in pools[index].timedOut(now: now) { handleTimeout(pool: index, slot: slot) }
            for slot in pools[index].workers.indices {
                if case .dead(let respawnAt) = pools[index].workers[slot].state, respawnAt <= now, !draining {
                    pools[index].workers[slot] = spawnWorker(pool: index, now: now)
                    pools[index].statistics.respawns += 1
                }
            }
        }
    }

    private func dispatchAll(now: UInt64) {
        for index in pools.indices {
            while let (slot, invocation) = pools[index].nextDispatch(now: now, policy: options.policy) {
                let worker = pools[index].workers[slot]
                let deadline = Clock.epochMilliseconds() + Int64((invocation.deadline - now) / 1_000_000)
                let message = ControlMessage.dispatch(deadlineMilliseconds: deadline).encoded()
                let sent = message.withUnsafeBytes {
                    fh_send_with_fd(worker.control, $0.baseAddress, $0.count, invocation.connection)
                }
                if sent < 0 {
                    // The worker is gone (its SIGCHLD is on the way): requeue the request first in line.
                    pools[index].queue.insert(PendingConnection(descriptor: invocation.connection, arrivedAt: now), at: 0)
                    pools[index].statistics.accepted -= 1
                    pools[index].workers[slot].state = .retiring
                }
            }
        }
    }

    // MARK: - Connections

    private func acceptConnections(pool index: Int) {
        guard let listener = pools[index].listener else { return }
        while true {
            let connection: Int32?
            do {
                connection = try listener.accept()
            } catch {
                log.event("accept_failed", level: "error", ["function": .string(pools[index].spec.name), "error": .string(error.description)])
                return
            }
            guard let connection else { return }
            idleConnections[connection] = index
        }
    }

    /// An idle connection became readable: a request arrived (queue it, with what a peek at its
    /// start tells), or nginx closed it.
    private func connectionReadable(_ connection: Int32) {
        guard let index = idleConnections.removeValue(forKey: connection) else { return }
        let peeked = peekBuffer.withUnsafeMutableBytes {
            recv(connection, $0.baseAddress, $0.count, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        }
        guard peeked > 0, !draining else {
            if peeked < 0, errno == EAGAIN || errno == EINTR {
                idleConnections[connection] = index
            } else {
                close(connection)
            }
            return
        }
        var pending = PendingConnection(descriptor: connection, arrivedAt: Clock.monotonicNanoseconds())
        if let preview = FastCGIRequestPreview.scan(Array(peekBuffer[0..<peeked])) {
            pending.request = RequestSummary(
                fastCGIRequestId: preview.requestId, requestId: preview.parameters["FNHOST_REQUEST_ID"] ?? "",
                method: preview.parameters["REQUEST_METHOD"] ?? "")
        }
        if !pools[index].enqueue(pending, policy: options.policy) {
            pools[index].statistics.throttled += 1
            refuse(connection, pool: index, arrivedAt: pending.arrivedAt)
        }
    }

    /// Answers 429 on a connection no worker took in time.
    private func refuse(_ connection: Int32, pool index: Int, arrivedAt: UInt64) {
        let preview = drainRequestStart(connection)
        let error = RuntimeError(
            .throttled,
            "Function \(pools[index].spec.name) is at its concurrency limit (\(pools[index].spec.configuration.concurrency)); try again later")
        answer(connection, error: error, fastCGIRequestId: preview?.requestId ?? 1)
        log.invocation(
            requestId: preview?.parameters["FNHOST_REQUEST_ID"] ?? "", function: pools[index].spec.name,
            method: preview?.parameters["REQUEST_METHOD"] ?? "", status: error.httpStatus,
            durationMilliseconds: Double(Clock.monotonicNanoseconds() - arrivedAt) / 1e6, outcome: .throttled)
    }

    /// Reads what has arrived of a request the master answers itself (never blocks).
    private func drainRequestStart(_ connection: Int32) -> FastCGIRequestPreview? {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while collected.count < 4_000_000 {
            let got = recv(connection, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { break }
            collected.append(contentsOf: buffer[0..<got])
        }
        return FastCGIRequestPreview.scan(collected)
    }

    /// Writes a complete error response and closes the connection.
    func answer(_ connection: Int32, error: RuntimeError, fastCGIRequestId: UInt16) {
        let parts = error.httpResponse
        let bytes = FastCGIRecord.response(
            requestId: fastCGIRequestId, status: parts.status, reason: HTTPStatus.reason(parts.status),
            headers: parts.headers, body: parts.body)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(connection, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        shutdown(connection, Int32(SHUT_WR))
        close(connection)
    }

    // MARK: - Draining

    func beginDrain(signal: Int32) {
        guard !draining else { return }
        draining = true
        let longest = pools.map { $0.spec.configuration.timeoutSeconds }.max() ?? 0
        drainDeadline = Clock.monotonicNanoseconds() + UInt64(longest * 1e9) + options.policy.drainGraceNanoseconds
        log.event("draining", ["signal": .number(Double(signal))])
        for (connection, _) in idleConnections { close(connection) }
        idleConnections.removeAll()
        for companion in companions where companion.pid > 0 { kill(companion.pid, companion.process.stopSignal) }
    }

    private func finishedDraining() -> Bool {
        companions.allSatisfy { $0.pid == 0 } && pools.allSatisfy { $0.activeCount == 0 && $0.queue.isEmpty }
    }

    private func shutDown() {
        for pool in pools { pool.listener?.close() }
        for index in pools.indices {
            for pending in pools[index].queue {
                answer(pending.descriptor, error: RuntimeError(.unavailable, "The host is shutting down"), fastCGIRequestId: 1)
            }
            pools[index].queue.removeAll()
            for worker in pools[index].workers where worker.control >= 0 { close(worker.control) }
        }
        // Workers exit when their control socket closes; give them a moment, then make sure.
        let deadline = Clock.monotonicNanoseconds() + 2_000_000_000
        var alive = pools.flatMap { $0.workers.map(\.pid) }.filter { $0 > 0 } + companions.map(\.pid).filter { $0 > 0 }
        while !alive.isEmpty, Clock.monotonicNanoseconds() < deadline {
            alive = alive.filter { waitpid($0, nil, WNOHANG) == 0 }
            if !alive.isEmpty { usleep(10_000) }
        }
        for pid in alive {
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
        }
        log.event("host_stopped")
    }
}
