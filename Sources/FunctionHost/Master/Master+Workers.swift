#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FunctionRuntime

/// Workers: spawning them, their control messages, reaping children, and carrying out what a
/// pool decided about a worker's death or timeout.
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

    /// Reaps every child that exited: a companion, a retired worker, a preparation or a worker.
    func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            if let companion = companions.firstIndex(where: { $0.pid == pid }) {
                companionExited(companion, status: ExitStatus(status), now: Clock.monotonicNanoseconds())
                continue
            }
            var retired = false
            for index in pools.places where !retired { retired = pools[index].retiredWorkerExited(pid: pid) }
            if retired { continue }
            if preparing[pid] != nil {
                preparationExited(pid: pid, status: ExitStatus(status))
                continue
            }
            for index in pools.places {
                guard let worker = pools[index].worker(forPid: pid) else { continue }
                let control = pools[index].workers[worker].control
                if control >= 0 { readControl(pool: index, descriptor: control) }
                let actions = pools[index].workerExited(
                    worker, status: ExitStatus(status), now: Clock.monotonicNanoseconds(), respawning: !lifecycle.isWindingDown,
                    policy: options.policy)
                perform(actions, pool: index)
                break
            }
        }
    }

    /// Acts on the invocations past their timeout in every pool (the pool decides: see
    /// `FunctionPool.timeOut`).
    func serviceTimeouts(pool index: PoolIndex, now: UInt64) {
        for (worker, state, verdict) in pools[index].timedOut(now: now, policy: options.policy) {
            // Its messages sent before this invocation (a connection closed or let go) come first.
            let control = pools[index].workers[worker].control
            if verdict == .answerTimeout, control >= 0 { readControl(pool: index, descriptor: control) }
            perform(pools[index].timeOut(worker, state: state, verdict: verdict, respawning: !lifecycle.isWindingDown), pool: index)
        }
    }

    /// Carries out what a pool decided about one of its workers, in order.
    func perform(_ actions: [WorkerAction], pool index: PoolIndex) {
        let name = pools[index].spec.name
        for action in actions {
            switch action {
            case .answerFailed(let failed):
                answer(failed, function: name)
            case .closeConnection(let id):
                connections.close(id)
            case .requeue(let id):
                guard let connection = connections[id] else { continue }
                pools[index].queue.insert(
                    PendingConnection(id: id, descriptor: connection.descriptor, arrivedAt: Clock.monotonicNanoseconds()), at: 0)
            case .watch(let id):
                watch(id)
            case .kill(let pid):
                kill(pid, SIGKILL)
            case .closeControl(let descriptor):
                close(descriptor)
            case .spawn(let worker):
                pools[index].workers[worker] = spawnWorker(pool: index, now: Clock.monotonicNanoseconds())
            case .logCrash(let pid, let cause, let requestId):
                var fields: [String: JSONValue] = ["function": .string(name), "pid": .number(Double(pid)), "cause": .string(cause)]
                if let requestId { fields["requestId"] = .string(requestId) }
                log.event("worker_crashed", level: "error", fields)
            }
        }
    }

    /// Answers an invocation in its worker's stead (502 after a crash, 504 after a timeout) and
    /// logs it.
    private func answer(_ failed: FailedInvocation, function: String) {
        let error: RuntimeError
        let outcome: InvocationOutcome
        let failure: String?
        switch failed.reason {
        case .crashed(let cause):
            error = RuntimeError(.processCrashed, "The function's process died during the invocation: \(cause)")
            outcome = .crash
            failure = cause
        case .timedOut(let seconds):
            error = RuntimeError(.timeout, "Exceeded maximum function execution time before timeout (\(Self.format(seconds)) s)")
            outcome = .timeout
            failure = nil
        }
        let now = Clock.monotonicNanoseconds()
        connections.answer(failed.connection, error: error, request: failed.request, now: now)
        log.invocation(
            requestId: failed.request.requestId, function: function, method: failed.request.method, status: error.httpStatus,
            durationMilliseconds: Double(now &- failed.startedAt) / 1e6, outcome: outcome, failure: failure)
    }

    static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}
