#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FunctionRuntime

/// nginx's connections: accepting them, watching them for a request, queueing and dispatching it
/// to a worker (its descriptor travels over the worker's control socket), and refusing it (429)
/// when the function is at its limit. The table itself is `ConnectionTable`.
extension Master {
    /// Hands waiting requests to workers; while some must still wait, asks the pool's workers to
    /// say when they become free.
    func dispatchAll() {
        for index in pools.places {
            while let (worker, previous, pending) = pools[index].reserveForNext() {
                if previous == .holding, let held = pools[index].workers[worker].ownedConnection {
                    watch(held)  // the worker lets it go; its next request comes through the master
                }
                let isTimer = connections[pending.id]?.isTimer ?? false
                let message = (isTimer ? ControlMessage.timer(connection: pending.id) : .dispatch(connection: pending.id)).encoded()
                let control = pools[index].workers[worker].control
                let sent = message.withUnsafeBytes { fh_send_with_fd(control, $0.baseAddress, $0.count, pending.descriptor) }
                guard sent >= 0 else {
                    // The worker is gone (its SIGCHLD is on the way): the request goes back first in line.
                    pools[index].queue.insert(pending, at: 0)
                    pools[index].workers[worker].ownedConnection = nil
                    break
                }
                pools[index].workers[worker].ownedConnection = pending.id
                connections.setOwner(worker, of: pending.id)
            }
            pools[index].setNotify(!pools[index].queue.isEmpty)
            pools[index].statistics.maxActive = max(pools[index].statistics.maxActive, pools[index].busyCount)
        }
    }

    func acceptConnections(pool index: PoolIndex) {
        guard let listener = pools[index].listener else { return }
        while true {
            let descriptor: Int32?
            do {
                descriptor = try listener.accept()
            } catch {
                // Out of descriptors (EMFILE, ENFILE) or memory: the connection stays queued in the
                // kernel and the listener readable. Stop polling it for a while instead of spinning.
                let now = Clock.monotonicNanoseconds()
                let resume = pools[index].acceptGate.failed(now: now, policy: options.policy)
                pools[index].statistics.acceptPauses += 1
                log.event("accept_paused", level: "error", [
                    "function": .string(pools[index].spec.name), "error": .string(error.description),
                    "pauseMs": .number(Double((resume - now) / 1_000_000)),
                ])
                return
            }
            pools[index].acceptGate.succeeded()
            guard let descriptor else { return }
            connections.register(descriptor: descriptor, pool: index)
        }
    }

    /// Watches a connection for its next request (it has no owner); closes it instead while the
    /// host drains.
    func watch(_ id: UInt64) {
        if lifecycle.isWindingDown {
            connections.close(id)
        } else {
            connections.watch(id)
        }
    }

    /// A watched connection became readable: a request arrived (queue it), or nginx closed it.
    func connectionReadable(_ descriptor: Int32) {
        // While draining too: nginx may already have written a request on a kept-alive connection
        // (one of its clients' requests in flight); closing it with those bytes unread would reset
        // it and nginx would answer 502. Such a request is served; nginx sends no new ones.
        guard case .request(let pending, let pool) = connections.readable(descriptor, now: Clock.monotonicNanoseconds()) else { return }
        if !pools[pool].enqueue(pending, policy: options.policy) {
            pools[pool].statistics.throttled += 1
            refuse(pending, pool: pool)
        }
    }

    /// Answers 429 on a connection no worker took in time.
    func refuse(_ pending: PendingConnection, pool index: PoolIndex) {
        let spec = pools[index].spec
        let error = RuntimeError(
            .throttled, "Function \(spec.name) is at its concurrency limit (\(spec.configuration.concurrency)); try again later")
        let now = Clock.monotonicNanoseconds()
        connections.answer(pending.id, error: error, request: pending.request, discardingRequest: true, now: now)
        log.invocation(
            requestId: pending.request.requestId, function: spec.name, method: pending.request.method,
            status: error.httpStatus, durationMilliseconds: Double(now - pending.arrivedAt) / 1e6,
            outcome: .throttled)
    }
}
