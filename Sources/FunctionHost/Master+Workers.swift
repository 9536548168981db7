#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FunctionRuntime

/// Worker lifecycle: spawning, their messages, their deaths, timeouts; and the companion (nginx).
extension Master {
    func spawnWorker(pool index: Int, now: UInt64) -> WorkerSlot {
        let name = pools[index].spec.name
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            log.event("spawn_failed", level: "error", ["function": .string(name), "error": "socketpair failed"])
            return WorkerSlot(pid: 0, control: -1, state: .dead(respawnAt: now + 1_000_000_000))
        }
        defer { close(ends[1]) }
        do {
            let pid = try ProcessSpawner.spawn(
                options.workerArguments(function: name), descriptors: [(source: ends[1], target: 3)])
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            log.event("worker_started", ["function": .string(name), "pid": .number(Double(pid))])
            return WorkerSlot(pid: pid, control: ends[0], state: .idle)
        } catch {
            close(ends[0])
            log.event("spawn_failed", level: "error", ["function": .string(name), "error": .string(error.description)])
            return WorkerSlot(pid: 0, control: -1, state: .dead(respawnAt: now + 1_000_000_000))
        }
    }

    /// Reads the messages waiting on a worker's control socket: all of them, or (`untilEnded`) up to
    /// the `ended` that frees the worker, which is the last one it sends before its next dispatch.
    func readControl(pool index: Int, descriptor: Int32, untilEnded: Bool = false) {
        var buffer = [UInt8](repeating: 0, count: ControlMessage.capacity)
        while let slot = pools[index].slot(forControl: descriptor) {
            var passed: Int32 = -1
            let got = buffer.withUnsafeMutableBytes { fh_receive_with_fd(descriptor, $0.baseAddress, $0.count, &passed) }
            if passed >= 0 { close(passed) }  // workers never send descriptors
            guard got > 0 else { return }  // 0: the worker is gone; its SIGCHLD will be reaped
            guard let message = ControlMessage.decode(buffer[0..<got]) else { continue }
            handle(message, pool: index, slot: slot)
            if untilEnded, case .ended = message { return }
        }
    }

    private func handle(_ message: ControlMessage, pool index: Int, slot: Int) {
        guard let invocation = pools[index].workers[slot].invocation else { return }
        switch message {
        case .dispatch:
            return
        case .ended(let status, let outcome, let kept, let retiring, let failure):
            if status == 0 {
                pools[index].statistics.accepted -= 1  // the connection ended before a request
            } else {
                pools[index].workers[slot].served += 1
                log.invocation(
                    requestId: invocation.request.requestId, function: pools[index].spec.name, method: invocation.request.method,
                    status: status,
                    durationMilliseconds: Double(Clock.monotonicNanoseconds() - invocation.dispatchedAt) / 1e6,
                    outcome: InvocationOutcome(rawValue: outcome) ?? .error, failure: failure)
            }
            if kept, !draining {
                idleConnections[invocation.connection] = index
            } else {
                close(invocation.connection)
            }
            if retiring {
                pools[index].statistics.recycled += 1
                pools[index].workers[slot].state = .retiring
            } else {
                pools[index].workers[slot].state = .idle
            }
        }
    }

    func handleSignals() {
        while true {
            let signal = fh_signalfd_read(signals)
            guard signal > 0 else { return }
            switch signal {
            case SIGCHLD: reapChildren()
            case SIGHUP: log.event("reload_ignored", ["reason": "restart fnhost to reload configuration"])
            default: beginDrain(signal: signal)
            }
        }
    }

    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            if let companion = companions.firstIndex(where: { $0.pid == pid }) {
                companionExited(companion, status: status)
                continue
            }
            for index in pools.indices {
                guard let slot = pools[index].slot(forPid: pid) else { continue }
                workerExited(pool: index, slot: slot, status: status)
                break
            }
        }
    }

    /// A worker died on its own (crash, recycling, or an exit of its own).
    private func workerExited(pool index: Int, slot: Int, status: Int32) {
        let control = pools[index].workers[slot].control
        if control >= 0 { readControl(pool: index, descriptor: control) }
        let worker = pools[index].workers[slot]
        if worker.control >= 0 { close(worker.control) }
        let now = Clock.monotonicNanoseconds()
        let name = pools[index].spec.name
        let cause = Self.describe(status)
        var respawnAt = now
        switch worker.state {
        case .retiring:
            break
        case .busy(let invocation):
            pools[index].statistics.crashes += 1
            respawnAt = pools[index].recordDeath(now: now, policy: options.policy)
            let error = RuntimeError(.processCrashed, "The function's process died during the invocation: \(cause)")
            answer(invocation.connection, error: error, fastCGIRequestId: invocation.request.fastCGIRequestId)
            log.event("worker_crashed", level: "error", [
                "function": .string(name), "pid": .number(Double(worker.pid)), "cause": .string(cause),
                "requestId": .string(invocation.request.requestId),
            ])
            log.invocation(
                requestId: invocation.request.requestId, function: name, method: invocation.request.method, status: error.httpStatus,
                durationMilliseconds: Double(now - invocation.dispatchedAt) / 1e6, outcome: .crash, failure: cause)
        case .idle, .dead:
            pools[index].statistics.crashes += 1
            respawnAt = pools[index].recordDeath(now: now, policy: options.policy)
            log.event("worker_crashed", level: "error", [
                "function": .string(name), "pid": .number(Double(worker.pid)), "cause": .string(cause),
            ])
        }
        pools[index].workers[slot] = WorkerSlot(
            pid: 0, control: -1, state: .dead(respawnAt: draining ? .max : respawnAt))
    }

    /// An invocation ran past its deadline: kill the process, answer 504, start a new one.
    func handleTimeout(pool index: Int, slot: Int) {
        let worker = pools[index].workers[slot]
        kill(worker.pid, SIGKILL)
        var status: Int32 = 0
        waitpid(worker.pid, &status, 0)
        // It may have finished just before the kill: its `ended` is then waiting on the socket.
        readControl(pool: index, descriptor: worker.control)
        let name = pools[index].spec.name
        if let invocation = pools[index].workers[slot].invocation {
            let timeout = pools[index].spec.configuration.timeoutSeconds
            let error = RuntimeError(
                .timeout, "Exceeded maximum function execution time before timeout (\(Self.format(timeout)) s)")
            answer(invocation.connection, error: error, fastCGIRequestId: invocation.request.fastCGIRequestId)
            pools[index].statistics.timeouts += 1
            log.invocation(
                requestId: invocation.request.requestId, function: name, method: invocation.request.method, status: error.httpStatus,
                durationMilliseconds: Double(Clock.monotonicNanoseconds() - invocation.dispatchedAt) / 1e6,
                outcome: .timeout)
        }
        close(worker.control)
        if draining {
            pools[index].workers[slot] = WorkerSlot(pid: 0, control: -1, state: .dead(respawnAt: .max))
        } else {
            pools[index].workers[slot] = spawnWorker(pool: index, now: Clock.monotonicNanoseconds())
            pools[index].statistics.respawns += 1
        }
    }

    func startCompanion(_ index: Int) {
        do {
            companions[index].pid = try ProcessSpawner.spawn(companions[index].process.arguments)
            log.event("companion_started", [
                "name": .string(companions[index].process.name), "pid": .number(Double(companions[index].pid)),
            ])
        } catch {
            log.event("companion_failed", level: "error", [
                "name": .string(companions[index].process.name), "error": .string(error.description),
            ])
            companions[index].pid = 0
            beginDrain(signal: 0)
        }
    }

    private func companionExited(_ index: Int, status: Int32) {
        let name = companions[index].process.name
        companions[index].pid = 0
        if draining {
            log.event("companion_stopped", ["name": .string(name)])
            return
        }
        log.event("companion_died", level: "error", ["name": .string(name), "cause": .string(Self.describe(status))])
        usleep(200_000)  // a companion that dies at once (bad config, port taken) must not spin
        startCompanion(index)
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "signal"
        return "killed by signal \(signal) (\(name))"
    }

    static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}
