#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FunctionRuntime

/// The host's lifecycle as the master carries it out (the transitions are `HostLifecycle`'s):
/// signals, the drain, and the shutdown.
extension Master {
    /// Reads the signals that arrived: SIGCHLD reaps children, SIGHUP reloads, the others stop.
    func handleSignals() {
        while true {
            let signal = fh_signalfd_read(signals)
            guard signal > 0 else { return }
            switch signal {
            case SIGCHLD: reapChildren()
            case SIGHUP: if lifecycle.handle(.reloadRequested) == .reload { reloadOnSignal() }
            default: requestStop(signal: signal)
            }
        }
    }

    /// Asks the host to stop (`signal` 0: on its own, a companion cannot run). The first request
    /// starts the drain: the health endpoint answers 503 and timers stop (the timer lock is given
    /// up) at once; after `drainNoticeSeconds` the companions not needed until the end are asked to
    /// stop, and running invocations have until the longest function timeout plus the policy's grace.
    func requestStop(signal: Int32) {
        let now = Clock.monotonicNanoseconds()
        let noticeEnds = now + UInt64(max(0, options.drainNoticeSeconds) * 1e9)
        let longest = pools.map { $0.spec.configuration.timeoutSeconds }.max() ?? 0
        let deadline = options.policy.drainDeadline(start: noticeEnds, longestTimeoutSeconds: longest)
        let decision = lifecycle.handle(.stopRequested(signal: signal, now: now, noticeEnds: noticeEnds, deadline: deadline))
        guard case .announceDrain(_, let stopNow) = decision else { return }
        log.event("draining", ["signal": .number(Double(signal)), "noticeSeconds": .number(options.drainNoticeSeconds)])
        election?.release()
        if stopNow { stopTakingWork() }
    }

    /// The drain's notice is over: asks nginx (and the other companions not needed until the end)
    /// to stop. Kept-alive connections stay open: a request nginx already wrote on one is still
    /// served, and nginx closes them as it stops (SIGQUIT: it finishes its requests first).
    func stopTakingWork() {
        log.event("stopped_taking_work")
        for companion in companions where companion.pid > 0 && !companion.process.stopsWhenIdle {
            kill(companion.pid, companion.process.stopSignal)
        }
    }

    /// Whether the drain is over; once no invocation runs or waits, also stops the companions the
    /// invocations may have needed until then (each asked once: its pid is reaped to 0 after).
    func finishedDraining() -> Bool {
        let idle = pools.allSatisfy { $0.busyCount == 0 && $0.queue.isEmpty }
        if idle, !idleCompanionsStopped {
            idleCompanionsStopped = true
            for companion in companions where companion.pid > 0 && companion.process.stopsWhenIdle {
                kill(companion.pid, companion.process.stopSignal)
            }
        }
        return idle && companions.allSatisfy { $0.pid == 0 }
    }

    /// Closes every socket, answers the requests still queued (503), stops the workers and the
    /// companions, and waits a bounded time for them to exit.
    func shutDown() {
        for pool in pools { pool.listener?.close() }
        adminListener?.close()
        for descriptor in triggerRuns.keys { close(descriptor) }
        for descriptor in adminConnections.keys { close(descriptor) }
        for index in pools.places {
            for pending in pools[index].queue {
                connections.answer(
                    pending.id, error: RuntimeError(.unavailable, "The host is shutting down"),
                    request: RequestSummary(fastCGIRequestId: pending.request.fastCGIRequestId), now: Clock.monotonicNanoseconds())
            }
            pools[index].queue.removeAll()
            for worker in pools[index].workers.places where pools[index].workers[worker].control >= 0 {
                close(pools[index].workers[worker].control)
                pools[index].workers[worker].control = -1
            }
        }
        connections.closeAll()
        connections.outbox.flush(until: Clock.monotonicNanoseconds() + 1_000_000_000)
        // Workers exit when their control socket closes; give them a moment, then make sure.
        let deadline = Clock.monotonicNanoseconds() + 2_000_000_000
        let workers: [pid_t] = pools.flatMap { $0.workers.map(\.pid) + Array($0.retiring.keys) }
        var alive: [pid_t] = (workers + companions.map(\.pid)).filter { $0 > 0 } + Array(preparing.keys)
        while !alive.isEmpty, Clock.monotonicNanoseconds() < deadline {
            alive = alive.filter { waitpid($0, nil, WNOHANG) == 0 }
            if !alive.isEmpty { usleep(10_000) }
        }
        // SIGKILL the rest and reap them, still without blocking: a process stuck in the kernel
        // (uninterruptible sleep) is left to init rather than holding the master's exit.
        for pid in alive { kill(pid, SIGKILL) }
        let reapDeadline = Clock.monotonicNanoseconds() + 1_000_000_000
        while !alive.isEmpty, Clock.monotonicNanoseconds() < reapDeadline {
            alive = alive.filter { waitpid($0, nil, WNOHANG) == 0 }
            if !alive.isEmpty { usleep(10_000) }
        }
        // Reaped here rather than in companionExited: clear each companion's process group too, so
        // no nginx worker still closing its connections outlives the host and keeps the port.
        for companion in companions where companion.pid > 0 { kill(-companion.pid, SIGKILL) }
        if let path = options.companionRecordPath { unlink(path) }
        log.event("host_stopped")
    }
}
