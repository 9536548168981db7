#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FunctionRuntime

/// Worker lifecycle: spawning, their messages, their deaths, timeouts; and the companion (nginx).
extension Master {
    /// Starts a worker: its control socket at descriptor 3, its scoreboard slot at descriptor 4.
    func spawnWorker(pool index: PoolIndex, now: UInt64) -> WorkerRecord {
        let name = pools[index].spec.name
        var ends: [Int32] = [-1, -1]
        guard let scoreboard = ScoreboardSlot.create(),
            socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0
        else {
            log.event("spawn_failed", level: "error", ["function": .string(name), "error": "no scoreboard slot or socketpair"])
            return .dead(respawnAt: now + 1_000_000_000)
        }
        defer { close(ends[1]) }
        do {
            let pid = try ProcessSpawner.spawn(
                options.workerArguments(for: pools[index].spec),
                descriptors: [(source: ends[1], target: WorkerMain.controlDescriptor), (source: scoreboard.descriptor, target: WorkerMain.scoreboardDescriptor)],
                blockedSignals: WorkerMain.drainSignals)
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            log.event("worker_started", ["function": .string(name), "pid": .number(Double(pid))])
            return WorkerRecord(
                pid: pid, control: ends[0], scoreboard: scoreboard, respawnAt: nil, ownedConnection: nil,
                generation: pools[index].generation)
        } catch {
            close(ends[0])
            scoreboard.release()
            log.event("spawn_failed", level: "error", ["function": .string(name), "error": .string(error.description)])
            return .dead(respawnAt: now + 1_000_000_000)
        }
    }

    /// Reads every message waiting on a worker's control socket.
    func readControl(pool index: PoolIndex, descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: ControlMessage.capacity)
        while let worker = pools[index].worker(forControl: descriptor) {
            var passed: Int32 = -1
            let got = buffer.withUnsafeMutableBytes { fh_receive_with_fd(descriptor, $0.baseAddress, $0.count, &passed) }
            if passed >= 0 { close(passed) }  // workers never send descriptors
            guard got > 0 else { return }  // 0: the worker is gone; its SIGCHLD will be reaped
            switch ControlMessage.decode(buffer[0..<got]) {
            case .closed(let connection)?:
                if pools[index].workers[worker].ownedConnection == connection {
                    pools[index].workers[worker].ownedConnection = nil
                    connections.close(connection)
                }
            case .released(let connection)?:
                if pools[index].workers[worker].ownedConnection == connection {
                    pools[index].workers[worker].ownedConnection = nil
                }
                // Unless it was handed on since (a dispatch gave this worker another), it is the master's again.
                if connections[connection]?.owner == worker { watch(connection) }
            case .free?, .dispatch?, .timer?, nil:
                break  // `free` only wakes the loop, which dispatches next
            }
        }
    }

    func handleSignals() {
        while true {
            let signal = fh_signalfd_read(signals)
            guard signal > 0 else { return }
            switch signal {
            case SIGCHLD: reapChildren()
            case SIGHUP: if !draining { reloadOnSignal() }
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
            if retiredWorkerExited(pid: pid) { continue }
            if preparing[pid] != nil {
                preparationExited(pid: pid, status: status)
                continue
            }
            for index in pools.poolIndices {
                guard let worker = pools[index].worker(forPid: pid) else { continue }
                workerExited(pool: index, worker: worker, status: status)
                break
            }
        }
    }

    /// A worker died on its own: recycled (exit 0), or crashed. What its scoreboard says decides
    /// what happens to its connection.
    private func workerExited(pool index: PoolIndex, worker place: WorkerIndex, status: Int32) {
        let worker = pools[index].workers[place]
        if worker.control >= 0 { readControl(pool: index, descriptor: worker.control) }
        let owned = pools[index].workers[place].ownedConnection
        let stage = worker.scoreboard?.stage ?? .idle
        let now = Clock.monotonicNanoseconds()
        let name = pools[index].spec.name
        let cause = Self.describe(status)
        let recycled = status == 0
        var respawnAt = now
        switch stage {
        case .busy:
            if let scoreboard = worker.scoreboard {
                let error = RuntimeError(.processCrashed, "The function's process died during the invocation: \(cause)")
                let requestId = scoreboard.requestId
                connections.answer(
                    scoreboard.connection, error: error,
                    request: RequestSummary(fastCGIRequestId: scoreboard.fastCGIRequestId, requestId: requestId), now: now)
                log.event("worker_crashed", level: "error", [
                    "function": .string(name), "pid": .number(Double(worker.pid)), "cause": .string(cause),
                    "requestId": .string(requestId),
                ])
                log.invocation(
                    requestId: requestId, function: name, method: scoreboard.method, status: error.httpStatus,
                    durationMilliseconds: Double(now &- scoreboard.startedAt) / 1e6, outcome: .crash, failure: cause)
            }
        case .responding:
            // It died writing its answer: what nginx got is cut off; the connection cannot be reused.
            if let connection = worker.scoreboard?.connection { connections.close(connection) }
            log.event("worker_crashed", level: "error", [
                "function": .string(name), "pid": .number(Double(worker.pid)), "cause": .string(cause),
            ])
        case .timedOut:
            break  // answered 504 by the master already
        case .reserved:
            // Dispatched but never started: the request is untouched; it goes back first in line.
            if let owned, let connection = connections[owned] {
                pools[index].queue.insert(PendingConnection(id: owned, descriptor: connection.descriptor, arrivedAt: now), at: 0)
            }
        case .idle, .holding, .claiming:
            if let owned { watch(owned) }
            if !recycled {
                log.event("worker_crashed", level: "error", [
                    "function": .string(name), "pid": .number(Double(worker.pid)), "cause": .string(cause),
                ])
            }
        }
        let reloaded = worker.generation < pools[index].generation
        if recycled, reloaded {
            pools[index].statistics.reloaded += 1
        } else if recycled {
            pools[index].statistics.recycled += 1
        } else {
            pools[index].statistics.crashes += 1
            respawnAt = pools[index].recordDeath(now: now, policy: options.policy)
        }
        if worker.control >= 0 { close(worker.control) }  // the record is replaced below: one close
        if let scoreboard = worker.scoreboard { retire(scoreboard, pool: index) }
        let wanted = place.rawValue < pools[index].desiredWorkers
        pools[index].workers[place] = .dead(respawnAt: draining || !wanted ? .max : respawnAt)
    }

    /// An invocation ran past its timeout. The master takes its answer with a compare-and-swap on
    /// the worker's scoreboard slot (busy, this very invocation -> timed out), so it answers 504 only for an
    /// invocation whose worker had not begun answering, and never for the next one on a kept-alive
    /// connection; then kills the process and starts a new one. Nothing waits for the process: it is
    /// reaped with the other children (SIGCHLD) as a retiring worker. A worker that won the race but
    /// is still writing its answer long after the timeout is only killed (its reaping closes the
    /// connection).
    func handleTimeout(pool index: PoolIndex, worker place: WorkerIndex, state: UInt32, verdict: TimeoutVerdict) {
        let worker = pools[index].workers[place]
        guard let scoreboard = worker.scoreboard else { return }
        switch verdict {
        case .none:
            return
        case .killUnanswered:
            kill(worker.pid, SIGKILL)  // not reaped yet, so the pid is still this worker's
            return
        case .answerTimeout:
            guard scoreboard.tryTimeOut(expected: state) else { return }  // it answered first
        }
        kill(worker.pid, SIGKILL)
        if worker.control >= 0 { readControl(pool: index, descriptor: worker.control) }
        // The slot's fields are this invocation's and stay so: the worker can no longer change them.
        let name = pools[index].spec.name
        let timeout = pools[index].spec.configuration.timeoutSeconds
        let error = RuntimeError(
            .timeout, "Exceeded maximum function execution time before timeout (\(Self.format(timeout)) s)")
        connections.answer(
            scoreboard.connection, error: error,
            request: RequestSummary(fastCGIRequestId: scoreboard.fastCGIRequestId, requestId: scoreboard.requestId),
            now: Clock.monotonicNanoseconds())
        pools[index].statistics.timeouts += 1
        log.invocation(
            requestId: scoreboard.requestId, function: name, method: scoreboard.method, status: error.httpStatus,
            durationMilliseconds: Double(Clock.monotonicNanoseconds() &- scoreboard.startedAt) / 1e6, outcome: .timeout)
        if let owned = pools[index].workers[place].ownedConnection, owned != scoreboard.connection { watch(owned) }
        if worker.control >= 0 { close(worker.control) }  // the record is replaced below: one close
        retiring[worker.pid] = RetiringWorker(pool: index, scoreboard: scoreboard)
        if draining {
            pools[index].workers[place] = .dead(respawnAt: .max)
        } else {
            pools[index].workers[place] = spawnWorker(pool: index, now: Clock.monotonicNanoseconds())
            pools[index].statistics.respawns += 1
        }
    }

    /// Keeps a gone worker's counts for the status page, then frees its scoreboard slot.
    private func retire(_ scoreboard: ScoreboardSlot, pool index: PoolIndex) {
        pools[index].statistics.completedByGoneWorkers += Int(scoreboard.served)
        pools[index].statistics.failedByGoneWorkers += Int(scoreboard.failed)
        pools[index].statistics.slowByGoneWorkers += Int(scoreboard.slow)
        scoreboard.release()
    }

    func startCompanion(_ index: Int) {
        do {
            // Its own process group: when it dies, whatever it left behind can be cleared (see companionExited).
            companions[index].pid = try ProcessSpawner.spawn(
                Self.dyingWithMaster(companions[index].process), ownProcessGroup: true)
            companions[index].startedAt = Clock.monotonicNanoseconds()
            recordCompanions()
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

    /// A companion's command line, run through setpriv(1) so that the kernel sends it its stop
    /// signal when the master dies (PR_SET_PDEATHSIG survives exec): a SIGKILLed master's nginx
    /// stops gracefully and lets the port go. Unchanged where setpriv is missing.
    static func dyingWithMaster(_ companion: CompanionProcess) -> [String] {
        let names: [Int32: String] = [SIGQUIT: "QUIT", SIGTERM: "TERM", SIGINT: "INT", SIGKILL: "KILL"]
        guard let name = names[companion.stopSignal], access("/usr/bin/setpriv", X_OK) == 0 else { return companion.arguments }
        return ["/usr/bin/setpriv", "--pdeathsig", name, "--"] + companion.arguments
    }

    /// Writes which companions run now (see `CompanionRecord`).
    func recordCompanions() {
        guard let path = options.companionRecordPath, let host = ProcessIdentity.current(pid: getpid()) else { return }
        let entries = companions.compactMap { companion -> CompanionRecord.Entry? in
            guard companion.pid > 0, let identity = ProcessIdentity.current(pid: companion.pid) else { return nil }
            return CompanionRecord.Entry(name: companion.process.name, identity: identity)
        }
        CompanionRecordFile.write(CompanionRecord(host: host, companions: entries), path: path)
    }

    private func companionExited(_ index: Int, status: Int32) {
        let name = companions[index].process.name
        let livedNanoseconds = Clock.monotonicNanoseconds() - companions[index].startedAt
        // A companion killed outright (nginx's master by SIGKILL) leaves its own children running:
        // nginx's workers keep the listening sockets, so a restarted nginx could not bind and the
        // orphans would serve on with no master. They share its process group: clear it.
        if companions[index].pid > 0 { kill(-companions[index].pid, SIGKILL) }
        companions[index].pid = 0
        if draining {
            log.event("companion_stopped", ["name": .string(name)])
            return
        }
        log.event("companion_died", level: "error", ["name": .string(name), "cause": .string(Self.describe(status))])
        if livedNanoseconds < 2_000_000_000 {
            // It died at once (bad configuration, port taken): restarting would spin. Stop instead.
            log.event("stopping", level: "error", ["reason": .string("\(name) exited right after starting; see its messages above")])
            beginDrain(signal: 0)
            return
        }
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
