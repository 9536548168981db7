import Testing

@testable import FunctionHost

/// The pool's decisions about a worker that died or ran past its timeout, as the actions the
/// master carries out: no process is started, the scoreboard slots are real shared memory.
@Suite struct WorkerSupervisionTests {
    let policy = SupervisionPolicy()
    let killed = ExitStatus(9)  // SIGKILL
    let failed = ExitStatus(1 << 8)  // exit status 1
    let clean = ExitStatus(0)

    /// A pool of `workers` (with control sockets 3, 4, ...) whose wanted size is their number.
    func pool(_ workers: [WorkerRecord], timeout: Double = 2) -> FunctionPool {
        var spec = poolSpec(timeout: timeout)
        spec.configuration.concurrency = workers.count
        var pool = FunctionPool(spec: spec, listener: nil)
        pool.workers = workers
        return pool
    }

    @Test func aWorkerThatCrashesMidInvocationGetsIts502AnsweredAndIsRespawnedAtOnce() throws {
        let busy = try worker(10, control: 3, stage: .busy, startedAt: 500, connection: 42)
        busy.scoreboard?.describe(fastCGIRequestId: 1, requestId: "0f6c1b9e-5d2a-4c8e-9a7b-3e1f2d4c6b80", method: "POST")
        var pool = pool([busy])
        let actions = pool.workerExited(0, status: killed, now: 1_000, respawning: true, policy: policy)
        let request = RequestSummary(fastCGIRequestId: 1, requestId: "0f6c1b9e-5d2a-4c8e-9a7b-3e1f2d4c6b80", method: "POST")
        #expect(
            actions == [
                .logCrash(pid: 10, cause: killed.description, requestId: request.requestId),
                .answerFailed(FailedInvocation(connection: 42, request: request, startedAt: 500, reason: .crashed(cause: killed.description))),
                .closeControl(3),
            ])
        #expect(pool.statistics.crashes == 1 && pool.statistics.recycled == 0)
        #expect(pool.workers[0].respawnAt == 1_000, "the first crashes in the window respawn at once")
        #expect(!pool.workers[0].isAlive)
    }

    @Test func aCrashLoopRespawnsAfterABackOff() throws {
        var pool = pool([try worker(10, stage: .idle)])
        for death in 0..<4 {
            pool.workers[0] = try worker(Int32(20 + death), stage: .idle)
            _ = pool.workerExited(0, status: failed, now: 1_000, respawning: true, policy: policy)
        }
        #expect(pool.statistics.crashes == 4)
        #expect(pool.workers[0].respawnAt == 1_000 + 100_000_000, "the fourth death within the window waits 100 ms")
    }

    @Test func aRecycledWorkerGivesItsHeldConnectionBackAndIsNoCrash() throws {
        var pool = pool([try worker(10, control: 3, stage: .holding, connection: 7)])
        let actions = pool.workerExited(0, status: clean, now: 50, respawning: true, policy: policy)
        #expect(actions == [.watch(connection: 7), .closeControl(3)])
        #expect(pool.statistics.recycled == 1 && pool.statistics.crashes == 0 && pool.recentDeaths.isEmpty)
        #expect(pool.workers[0].respawnAt == 50)
    }

    @Test func aWorkerOfAnOlderGenerationThatExitsCleanlyCountsAsReloaded() throws {
        var pool = pool([try worker(10, stage: .idle)])
        pool.roll()
        let actions = pool.workerExited(0, status: clean, now: 50, respawning: true, policy: policy)
        #expect(actions.isEmpty)
        #expect(pool.statistics.reloaded == 1 && pool.statistics.recycled == 0)
    }

    @Test func anIdleWorkerThatCrashesIsLoggedWithoutAnAnswer() throws {
        var pool = pool([try worker(10, control: 3, stage: .idle)])
        let actions = pool.workerExited(0, status: failed, now: 50, respawning: true, policy: policy)
        #expect(actions == [.logCrash(pid: 10, cause: "exited with status 1", requestId: nil), .closeControl(3)])
    }

    @Test func aWorkerThatDiesWritingItsAnswerHasItsConnectionClosed() throws {
        var pool = pool([try worker(10, control: 3, stage: .responding, connection: 42)])
        let actions = pool.workerExited(0, status: killed, now: 50, respawning: true, policy: policy)
        #expect(actions == [.closeConnection(42), .logCrash(pid: 10, cause: killed.description, requestId: nil), .closeControl(3)])
    }

    @Test func aReservedWorkerThatDiesPutsItsRequestBackFirstInLine() throws {
        var reserved = try worker(10, control: 3, stage: .reserved)
        reserved.ownedConnection = 42
        var pool = pool([reserved])
        let actions = pool.workerExited(0, status: killed, now: 50, respawning: true, policy: policy)
        #expect(actions == [.requeue(connection: 42), .closeControl(3)])
    }

    @Test func aTimedOutWorkerDyingNeedsNoSecondAnswer() throws {
        var pool = pool([try worker(10, control: 3, stage: .timedOut, connection: 42)])
        let actions = pool.workerExited(0, status: killed, now: 50, respawning: true, policy: policy)
        #expect(actions == [.closeControl(3)], "the master answered 504 when it timed the invocation out")
    }

    @Test func nothingIsRespawnedWhileDrainingOrBeyondTheWantedSize() throws {
        var draining = pool([try worker(10, stage: .idle)])
        _ = draining.workerExited(0, status: clean, now: 50, respawning: false, policy: policy)
        #expect(draining.workers[0].respawnAt == .max)
        let due = draining.dueRespawns(now: .max - 1, respawning: false)
        #expect(due.isEmpty)

        var removed = pool([try worker(10, stage: .idle), try worker(11, stage: .idle)])
        removed.removed = true
        _ = removed.workerExited(1, status: clean, now: 50, respawning: true, policy: policy)
        #expect(removed.workers[1].respawnAt == .max)
    }

    @Test func dueRespawnsAreThePlacesWhoseTimeHasComeAndAreCounted() throws {
        var pool = pool([.dead(respawnAt: 100), try worker(11, stage: .idle), .dead(respawnAt: 300)])
        let early = pool.dueRespawns(now: 99, respawning: true)
        #expect(early.isEmpty)
        let due = pool.dueRespawns(now: 300, respawning: true)
        #expect(due == [0, 2])
        #expect(pool.statistics.respawns == 2)
    }

    @Test func aTimeoutTakesTheAnswerKillsTheWorkerAndSpawnsAReplacement() throws {
        let busy = try worker(10, control: 3, stage: .busy, startedAt: 1_000_000_000, connection: 42)
        busy.scoreboard?.describe(fastCGIRequestId: 1, requestId: "7d3e9f21-4b6a-4c0e-8f5d-2a1b3c4d5e6f", method: "GET")
        var pool = pool([busy], timeout: 2)
        let (index, state, verdict) = try #require(pool.timedOut(now: 3_000_000_000, policy: policy).first)
        #expect(index == 0 && verdict == .answerTimeout)
        let actions = pool.timeOut(index, state: state, verdict: verdict, respawning: true)
        let request = RequestSummary(fastCGIRequestId: 1, requestId: "7d3e9f21-4b6a-4c0e-8f5d-2a1b3c4d5e6f", method: "GET")
        #expect(
            actions == [
                .kill(pid: 10),
                .answerFailed(FailedInvocation(connection: 42, request: request, startedAt: 1_000_000_000, reason: .timedOut(seconds: 2))),
                .closeControl(3), .spawn(0),
            ])
        #expect(busy.stage == .timedOut, "the worker can no longer answer")
        #expect(pool.statistics.timeouts == 1 && pool.statistics.respawns == 1)
        #expect(pool.retiring[10] != nil, "reaped later as a retiring worker")
        let reaped = pool.retiredWorkerExited(pid: 10)
        #expect(reaped && pool.retiring.isEmpty)
        let reapedTwice = pool.retiredWorkerExited(pid: 10)
        #expect(!reapedTwice)
    }

    @Test func aTimeoutGivesBackAnotherConnectionTheWorkerStillOwned() throws {
        var busy = try worker(10, control: 3, stage: .busy, startedAt: 0, connection: 42)
        busy.ownedConnection = 43
        var pool = pool([busy])
        let actions = pool.timeOut(0, state: busy.scoreboard?.state ?? 0, verdict: .answerTimeout, respawning: true)
        #expect(actions.contains(.watch(connection: 43)))
    }

    @Test func aWorkerThatAnsweredFirstIsLeftAlone() throws {
        let busy = try worker(10, control: 3, stage: .busy, startedAt: 0, connection: 42)
        var pool = pool([busy])
        let seen = try #require(busy.scoreboard?.state)
        #expect(busy.scoreboard?.beginResponse() == true)  // the worker won the race
        let actions = pool.timeOut(0, state: seen, verdict: .answerTimeout, respawning: true)
        #expect(actions.isEmpty)
        #expect(pool.statistics.timeouts == 0 && pool.workers[0].isAlive && pool.retiring.isEmpty)
    }

    @Test func aWorkerStillWritingLongAfterItsTimeoutIsOnlyKilled() throws {
        let responding = try worker(10, control: 3, stage: .responding, startedAt: 0, connection: 42)
        var pool = pool([responding])
        let actions = pool.timeOut(0, state: responding.scoreboard?.state ?? 0, verdict: .killUnanswered, respawning: true)
        #expect(actions == [.kill(pid: 10)])
        #expect(pool.workers[0].isAlive, "its reaping decides the rest")
    }

    @Test func aTimeoutWhileDrainingStartsNoReplacement() throws {
        let busy = try worker(10, control: 3, stage: .busy, startedAt: 0, connection: 42)
        var pool = pool([busy])
        let actions = pool.timeOut(0, state: busy.scoreboard?.state ?? 0, verdict: .answerTimeout, respawning: false)
        #expect(!actions.contains(.spawn(0)))
        #expect(pool.workers[0].respawnAt == .max && pool.statistics.respawns == 0)
    }

    @Test func aReplacedWorkerIsRetiredAndItsCountsJoinThePoolsWhenReaped() throws {
        let idle = try worker(10, control: 3, stage: .idle)
        idle.scoreboard?.begin(connection: 1, at: 0)
        _ = idle.scoreboard?.beginResponse()
        idle.scoreboard?.end(holding: false, failed: true)
        var pool = pool([idle])
        let scoreboard = try #require(idle.scoreboard)
        let control = pool.retireWorker(0, scoreboard: scoreboard)
        #expect(control == 3)
        #expect(pool.statistics.reloaded == 1 && !pool.workers[0].isAlive)
        let reaped = pool.retiredWorkerExited(pid: 10)
        #expect(reaped)
        #expect(pool.statistics.completedByGoneWorkers == 1 && pool.statistics.failedByGoneWorkers == 1)
    }

    @Test func aTimedOutWorkersCountsStayInThePoolsNumbersBeforeAndAfterItIsReaped() throws {
        let idle = try worker(10, control: 3, stage: .idle)
        let slot = try #require(idle.scoreboard)
        slot.begin(connection: 1, at: 0)
        _ = slot.beginResponse()
        slot.end(holding: false, failed: false, slow: true)
        slot.begin(connection: 2, at: 1_000)
        var pool = pool([idle])
        func counted(_ pool: FunctionPool) -> (served: Int, slow: Int) {
            let unreaped = pool.unreapedScoreboards
            return (pool.statistics.completedByGoneWorkers + unreaped.reduce(0) { $0 + Int($1.served) },
                    pool.statistics.slowByGoneWorkers + unreaped.reduce(0) { $0 + Int($1.slow) })
        }
        #expect(counted(pool) == (1, 1))
        _ = pool.timeOut(0, state: slot.state, verdict: .answerTimeout, respawning: true)
        #expect(!pool.workers[0].isAlive && pool.retiring[10] != nil)
        #expect(counted(pool) == (1, 1), "killed, not reaped yet: still counted")
        let reaped = pool.retiredWorkerExited(pid: 10)
        #expect(reaped && counted(pool) == (1, 1), "reaped: counted in the gone workers' totals")
        #expect(pool.unreapedScoreboards.isEmpty)
    }

    @Test func exitStatusesAreDescribedAsTheLogSaysThem() {
        #expect(ExitStatus(0).isClean && ExitStatus(0).description == "exited with status 0")
        #expect(!ExitStatus(3 << 8).isClean && ExitStatus(3 << 8).description == "exited with status 3")
        #expect(ExitStatus(9).description.hasPrefix("killed by signal 9 ("))
    }
}
