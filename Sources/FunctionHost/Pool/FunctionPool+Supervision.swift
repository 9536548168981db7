#if canImport(Glibc)
import Glibc
#endif

/// The pool's decisions when a worker dies, runs past its timeout or is due for a respawn. Each
/// changes the pool's own state (counters, records, crash history, retiring workers) and returns
/// what the master must still do, so that every case is tested without a process.
extension FunctionPool {
    /// The worker at `index` exited with `status` on its own: recycled (a clean exit) or crashed.
    /// What its scoreboard says decides what happens to its connection; a crash counts towards the
    /// crash loop back-off. The place is respawned at once, after the back-off, or never (while the
    /// host drains, `respawning` false, or when the place is beyond the pool's desired size). The
    /// master must have read the worker's last control messages first.
    mutating func workerExited(
        _ index: WorkerIndex, status: ExitStatus, now: UInt64, respawning: Bool, policy: SupervisionPolicy
    ) -> [WorkerAction] {
        let worker = workers[index]
        let stage = worker.scoreboard?.stage ?? .idle
        let cause = status.description
        var actions: [WorkerAction] = []
        switch stage {
        case .busy:
            if let scoreboard = worker.scoreboard {
                let request = RequestSummary(
                    fastCGIRequestId: scoreboard.fastCGIRequestId, requestId: scoreboard.requestId, method: scoreboard.method)
                actions.append(.logCrash(pid: worker.pid, cause: cause, requestId: request.requestId))
                actions.append(
                    .answerFailed(
                        FailedInvocation(
                            connection: scoreboard.connection, request: request, startedAt: scoreboard.startedAt,
                            reason: .crashed(cause: cause))))
            }
        case .responding:
            // It died writing its answer: what nginx got is cut off; the connection cannot be reused.
            if let connection = worker.scoreboard?.connection { actions.append(.closeConnection(connection)) }
            actions.append(.logCrash(pid: worker.pid, cause: cause, requestId: nil))
        case .timedOut:
            break  // answered 504 by the master already
        case .reserved:
            // Dispatched but never started: the request is untouched; it goes back first in line.
            if let owned = worker.ownedConnection { actions.append(.requeue(connection: owned)) }
        case .idle, .holding, .claiming:
            if let owned = worker.ownedConnection { actions.append(.watch(connection: owned)) }
            if !status.isClean { actions.append(.logCrash(pid: worker.pid, cause: cause, requestId: nil)) }
        }
        var respawnAt = now
        if status.isClean, worker.generation < generation {
            statistics.reloaded += 1
        } else if status.isClean {
            statistics.recycled += 1
        } else {
            statistics.crashes += 1
            respawnAt = recordDeath(now: now, policy: policy)
        }
        if worker.control >= 0 { actions.append(.closeControl(worker.control)) }
        if let scoreboard = worker.scoreboard { retire(scoreboard) }
        let wanted = index.rawValue < desiredWorkers
        workers[index] = .dead(respawnAt: respawning && wanted ? respawnAt : .max)
        return actions
    }

    /// The invocation of the worker at `index` ran past its timeout (`state` is the scoreboard's
    /// state word when `timedOut` saw it, `verdict` what it decided). For an invocation still
    /// computing, the pool takes its answer with a compare-and-swap on the scoreboard slot (this
    /// very invocation, busy -> timed out), so the master answers 504 only for an invocation whose
    /// worker had not begun answering, and never for the next one on a kept-alive connection; the
    /// worker is killed, and replaced at once unless the host drains. It is reaped later as a
    /// retiring worker. A worker that won the race but is still writing its answer long after the
    /// timeout is only killed (its reaping closes the connection). The master must have read the
    /// worker's control messages first.
    mutating func timeOut(_ index: WorkerIndex, state: UInt32, verdict: TimeoutVerdict, respawning: Bool) -> [WorkerAction] {
        let worker = workers[index]
        guard worker.isAlive, let scoreboard = worker.scoreboard else { return [] }
        switch verdict {
        case .none:
            return []
        case .killUnanswered:
            return [.kill(pid: worker.pid)]
        case .answerTimeout:
            guard scoreboard.tryTimeOut(expected: state) else { return [] }  // it answered first
        }
        // The slot's fields are this invocation's and stay so: the worker can no longer change them.
        statistics.timeouts += 1
        var actions: [WorkerAction] = [
            .kill(pid: worker.pid),
            .answerFailed(
                FailedInvocation(
                    connection: scoreboard.connection,
                    request: RequestSummary(
                        fastCGIRequestId: scoreboard.fastCGIRequestId, requestId: scoreboard.requestId, method: scoreboard.method),
                    startedAt: scoreboard.startedAt, reason: .timedOut(seconds: spec.configuration.timeoutSeconds))),
        ]
        if let owned = worker.ownedConnection, owned != scoreboard.connection { actions.append(.watch(connection: owned)) }
        if worker.control >= 0 { actions.append(.closeControl(worker.control)) }
        retiring[worker.pid] = scoreboard
        workers[index] = .dead(respawnAt: .max)
        if respawning {
            statistics.respawns += 1
            actions.append(.spawn(index))
        }
        return actions
    }

    /// The places whose dead worker is due for a respawn at `now` (counted as respawns). None while
    /// the host drains.
    mutating func dueRespawns(now: UInt64, respawning: Bool) -> [WorkerIndex] {
        guard respawning else { return [] }
        let due = workers.places.filter { index in
            guard index.rawValue < desiredWorkers, let respawnAt = workers[index].respawnAt else { return false }
            return respawnAt <= now
        }
        statistics.respawns += due.count
        return due
    }

    /// Takes the worker at `index` out of service to be replaced (a reload): the master closes its
    /// control socket (it exits when that closes) and reaps it later. Returns its control socket.
    mutating func retireWorker(_ index: WorkerIndex, scoreboard: ScoreboardSlot) -> Int32 {
        let worker = workers[index]
        retiring[worker.pid] = scoreboard
        statistics.reloaded += 1
        workers[index] = .dead(respawnAt: .max)
        return worker.control
    }

    /// A worker this pool retired (timed out, replaced) was reaped: its counts join the pool's.
    /// False when `pid` was none of this pool's retiring workers.
    mutating func retiredWorkerExited(pid: pid_t) -> Bool {
        guard let scoreboard = retiring.removeValue(forKey: pid) else { return false }
        retire(scoreboard)
        return true
    }

    /// Keeps a gone worker's counts for the status page, then frees its scoreboard slot.
    private mutating func retire(_ scoreboard: ScoreboardSlot) {
        statistics.completedByGoneWorkers += Int(scoreboard.served)
        statistics.failedByGoneWorkers += Int(scoreboard.failed)
        statistics.slowByGoneWorkers += Int(scoreboard.slow)
        scoreboard.release()
    }
}
