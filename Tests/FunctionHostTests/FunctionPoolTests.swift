import FunctionRuntime
import Testing

@testable import FunctionHost

func poolSpec(timeout: Double = 30, queueTimeout: Double = 5, maxQueue: Int = 2) -> FunctionSpec {
    var configuration = FunctionConfiguration()
    configuration.timeoutSeconds = timeout
    configuration.queueTimeoutSeconds = queueTimeout
    configuration.maxQueue = maxQueue
    return FunctionSpec(
        name: "tasks", uuid: "0b8e6c2a-1f3d-4e5a-9b7c-2d4e6f8a0b1c",
        url: "https://functions.poehali.dev/0b8e6c2a-1f3d-4e5a-9b7c-2d4e6f8a0b1c", configuration: configuration)
}

/// A live worker record with a real scoreboard slot (shared memory in this process) in `stage`.
func worker(_ pid: Int32, control: Int32 = -1, stage: ScoreboardSlot.Stage, startedAt: UInt64 = 0, connection: UInt64 = 0)
    throws -> WorkerRecord
{
    let slot = try #require(ScoreboardSlot.create())
    switch stage {
    case .idle: break  // a new slot is idle
    case .busy: slot.begin(connection: connection, at: startedAt)
    case .holding:
        slot.begin(connection: connection, at: startedAt)
        _ = slot.beginResponse()
        slot.end(holding: true, failed: false)
    case .reserved: _ = slot.tryReserve()
    case .responding:
        slot.begin(connection: connection, at: startedAt)
        _ = slot.beginResponse()
    case .timedOut:
        slot.begin(connection: connection, at: startedAt)
        _ = slot.tryTimeOut(expected: slot.state)
    case .claiming:
        Issue.record("claiming lasts only inside fh_slot_try_claim_held")
    }
    return WorkerRecord(pid: pid, control: control, scoreboard: slot, respawnAt: nil, ownedConnection: connection == 0 ? nil : connection)
}

func pending(_ id: UInt64, at arrival: UInt64, requestId: String = "") -> PendingConnection {
    PendingConnection(
        id: id, descriptor: Int32(id), arrivedAt: arrival,
        request: RequestSummary(fastCGIRequestId: 1, requestId: requestId, method: "POST"))
}

/// The pool's queueing and dispatch rules over workers' scoreboard stages.
@Suite struct FunctionPoolTests {
    let policy = SupervisionPolicy()

    @Test func countsAvailableAndBusyWorkersFromTheScoreboard() throws {
        var pool = FunctionPool(spec: poolSpec(), listener: nil)
        pool.workers = [
            try worker(10, control: 3, stage: .idle), try worker(11, control: 4, stage: .busy),
            try worker(12, control: 5, stage: .holding, connection: 7), .dead(respawnAt: 9),
            try worker(14, control: 7, stage: .reserved),
        ]
        #expect(pool.availableCount == 2)
        #expect(pool.busyCount == 2)
        #expect(pool.worker(forControl: 5) == 2)
        #expect(pool.worker(forControl: 99) == nil)
        #expect(pool.worker(forPid: 14) == 4)
        #expect(pool.worker(forPid: 0) == nil, "dead workers have no pid")
    }

    @Test func dispatchPrefersIdleWorkersOverOnesHoldingAConnection() {
        #expect(FunctionPool.dispatchOrder([.holding, .busy, .idle, nil, .reserved, .idle, .holding]) == [2, 5, 0, 6])
        #expect(FunctionPool.dispatchOrder([.busy, .reserved, nil]).isEmpty)
    }

    @Test func reservingTakesTheOldestRequestAndClaimsTheSlot() throws {
        var pool = FunctionPool(spec: poolSpec(maxQueue: 5), listener: nil)
        pool.workers = [try worker(10, stage: .holding, connection: 3), try worker(11, stage: .busy), try worker(12, stage: .idle)]
        let queued1 = pool.enqueue(pending(20, at: 1), policy: policy)
        #expect(queued1)
        let queued2 = pool.enqueue(pending(21, at: 2), policy: policy)
        #expect(queued2)
        let queued3 = pool.enqueue(pending(22, at: 3), policy: policy)
        #expect(queued3)

        let firstReservation = pool.reserveForNext()
        let first = try #require(firstReservation)
        #expect(first.worker == 2 && first.previous == .idle && first.connection.id == 20)
        let secondReservation = pool.reserveForNext()
        let second = try #require(secondReservation)
        #expect(second.worker == 0 && second.previous == .holding && second.connection.id == 21)
        let third = pool.reserveForNext()
        #expect(third == nil, "the busy worker is not taken")
        #expect(pool.queue.map(\.id) == [22])
        #expect(pool.workers.map(\.stage) == [.reserved, .busy, .reserved])
    }

    @Test func aWorkerThatClaimedItsHeldConnectionFirstCannotBeReserved() throws {
        var pool = FunctionPool(spec: poolSpec(), listener: nil)
        let holding = try worker(10, stage: .holding, connection: 3)
        pool.workers = [holding]
        #expect(holding.scoreboard?.tryClaimHeld(connection: 3, at: 5) == true)
        let queued4 = pool.enqueue(pending(20, at: 1), policy: policy)
        #expect(queued4)
        let reservation = pool.reserveForNext()
        #expect(reservation == nil)
        #expect(pool.queue.count == 1)
    }

    @Test func aReservedWorkerCannotClaimItsHeldConnection() throws {
        let holding = try worker(10, stage: .holding, connection: 3)
        #expect(holding.scoreboard?.tryReserve() == .holding)
        #expect(holding.scoreboard?.tryClaimHeld(connection: 3, at: 5) == false)
        #expect(holding.stage == .reserved)
    }

    @Test func enqueueAcceptsUpToMaxQueueWhenNoWorkerIsAvailable() throws {
        var pool = FunctionPool(spec: poolSpec(maxQueue: 2), listener: nil)
        pool.workers = [try worker(10, stage: .busy)]
        let accepted = (1...3).map { pool.enqueue(pending(UInt64($0), at: UInt64($0)), policy: policy) }
        #expect(accepted == [true, true, false])
        #expect(pool.queue.map(\.id) == [1, 2])
        #expect(pool.statistics.maxQueued == 2)
    }

    @Test func aZeroQueueTimeoutRefusesAtOnceOnlyWhenNoWorkerIsAvailable() throws {
        var pool = FunctionPool(spec: poolSpec(queueTimeout: 0, maxQueue: 10), listener: nil)
        pool.workers = [try worker(10, stage: .busy)]
        let refused = !pool.enqueue(pending(1, at: 1), policy: policy)
        #expect(refused)
        pool.workers.append(try worker(11, stage: .holding, connection: 4))
        let queued5 = pool.enqueue(pending(2, at: 1), policy: policy)
        #expect(queued5)
    }

    @Test func expiredQueueRemovesOnlyRequestsPastTheQueueTimeout() throws {
        var pool = FunctionPool(spec: poolSpec(queueTimeout: 1, maxQueue: 10), listener: nil)
        pool.workers = [try worker(10, stage: .busy)]
        for (id, arrival) in [(1, 0), (2, 500_000_000), (3, 1_200_000_000)] {
            let queued6 = pool.enqueue(pending(UInt64(id), at: UInt64(arrival)), policy: policy)
            #expect(queued6)
        }
        let expired = pool.expiredQueue(now: 1_500_000_000, policy: policy)
        #expect(expired.map(\.id) == [1, 2])
        #expect(pool.queue.map(\.id) == [3])
        #expect(pool.statistics.throttled == 2)
        #expect(pool.expiredQueue(now: 1_500_000_000, policy: policy).isEmpty)
    }

    @Test func timedOutListsBusyWorkersPastTheFunctionTimeout() throws {
        var pool = FunctionPool(spec: poolSpec(timeout: 2), listener: nil)
        pool.workers = [
            try worker(10, stage: .busy, startedAt: 1_000_000_000), try worker(11, stage: .busy, startedAt: 2_500_000_000),
            try worker(12, stage: .holding, startedAt: 0, connection: 5), try worker(13, stage: .idle),
        ]
        #expect(pool.timedOut(now: 2_999_999_999, policy: policy).isEmpty)
        #expect(pool.timedOut(now: 3_000_000_000, policy: policy).map(\.worker) == [0])
        let later = pool.timedOut(now: 5_000_000_000, policy: policy)
        #expect(later.map(\.worker) == [0, 1], "holding and idle workers never time out")
        #expect(later.allSatisfy { $0.verdict == .answerTimeout })
        #expect(later.first?.state == pool.workers[0].scoreboard?.state, "the state the master's compare-and-swap names")
    }

    @Test func aWorkerWritingItsAnswerIsOnlyKilledLongAfterItsTimeout() throws {
        var pool = FunctionPool(spec: poolSpec(timeout: 2), listener: nil)
        pool.workers = [try worker(10, stage: .responding, startedAt: 1_000_000_000), try worker(11, stage: .timedOut, startedAt: 0)]
        #expect(pool.timedOut(now: 4_999_999_999, policy: policy).isEmpty, "it won the race; the grace runs")
        #expect(pool.timedOut(now: 5_000_000_000, policy: policy).map(\.verdict) == [.killUnanswered])
        #expect(pool.busyCount == 2)
    }

    @Test func nextWakeUpIsTheEarliestQueueDeadlineOrRespawn() throws {
        var pool = FunctionPool(spec: poolSpec(queueTimeout: 1, maxQueue: 10), listener: nil)
        pool.workers = [try worker(10, stage: .busy)]
        #expect(pool.nextWakeUp(policy: policy) == nil)
        let queued7 = pool.enqueue(pending(1, at: 2_000_000_000), policy: policy)
        #expect(queued7)
        #expect(pool.nextWakeUp(policy: policy) == 3_000_000_000)
        pool.workers.append(.dead(respawnAt: 2_500_000_000))
        #expect(pool.nextWakeUp(policy: policy) == 2_500_000_000)
    }

    @Test func crashLoopsBackOff() {
        var pool = FunctionPool(spec: poolSpec(), listener: nil)
        let delays = (0..<6).map { index -> UInt64 in
            let now = UInt64(index) * 1_000_000
            return pool.recordDeath(now: now, policy: policy) - now
        }
        #expect(delays == [0, 0, 0, 100_000_000, 200_000_000, 400_000_000])
    }

    @Test func notifyIsSetAndClearedOnEveryLiveWorker() throws {
        var pool = FunctionPool(spec: poolSpec(), listener: nil)
        pool.workers = [try worker(10, stage: .busy), try worker(11, stage: .idle), .dead(respawnAt: 1)]
        pool.setNotify(true)
        #expect(pool.workers.compactMap { $0.scoreboard?.notify } == [true, true])
        pool.setNotify(false)
        #expect(pool.workers.compactMap { $0.scoreboard?.notify } == [false, false])
    }

    @Test func theScoreboardCarriesWhatTheMasterNeedsAfterADeath() throws {
        let slot = try #require(ScoreboardSlot.create())
        slot.begin(connection: 42, at: 777)
        slot.describe(fastCGIRequestId: 3, requestId: "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f30", method: "POST")
        #expect(slot.stage == .busy)
        #expect(slot.connection == 42 && slot.startedAt == 777 && slot.fastCGIRequestId == 3)
        #expect(slot.requestId == "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f30")
        #expect(slot.method == "POST")
        slot.end(holding: false, failed: true)
        #expect(slot.stage == .idle && slot.served == 1 && slot.failed == 1)
        slot.release()
    }
}

/// The scoreboard's compare-and-swaps between a worker finishing and the master timing it out.
@Suite struct ScoreboardRaceTests {
    @Test func theMasterTimingOutFirstKeepsTheWorkerFromAnswering() throws {
        let slot = try #require(ScoreboardSlot.create())
        defer { slot.release() }
        slot.begin(connection: 7, at: 100)
        #expect(slot.tryTimeOut(expected: slot.state))
        #expect(slot.stage == .timedOut)
        #expect(!slot.beginResponse(), "the worker writes nothing after a 504")
        #expect(!slot.setIdle())
        #expect(slot.tryReserve() == nil, "no dispatch to a worker being killed")
        #expect(slot.connection == 7 && slot.startedAt == 100)
    }

    @Test func theWorkerAnsweringFirstKeepsTheMasterFromTimingOut() throws {
        let slot = try #require(ScoreboardSlot.create())
        defer { slot.release() }
        slot.begin(connection: 7, at: 100)
        let seen = slot.state
        #expect(slot.beginResponse())
        #expect(!slot.tryTimeOut(expected: seen))
        slot.end(holding: true, failed: false)
        #expect(slot.stage == .holding)
    }

    @Test func aTimeoutReadForOneInvocationNeverHitsTheNextOnTheSameConnection() throws {
        let slot = try #require(ScoreboardSlot.create())
        defer { slot.release() }
        slot.begin(connection: 7, at: 100)
        let first = slot.state
        // The invocation answers and the worker claims the next request on the kept connection.
        #expect(slot.beginResponse())
        slot.end(holding: true, failed: false)
        #expect(slot.tryClaimHeld(connection: 7, at: 200))
        #expect(slot.stage == .busy && slot.startedAt == 200)
        #expect(slot.state != first, "each invocation has its own state word")
        #expect(!slot.tryTimeOut(expected: first), "a 504 meant for the first never lands on the second")
        #expect(slot.tryTimeOut(expected: slot.state))
    }

    @Test func aFailedClaimChangesNoField() throws {
        let slot = try #require(ScoreboardSlot.create())
        defer { slot.release() }
        slot.begin(connection: 7, at: 100)
        #expect(slot.beginResponse())
        slot.end(holding: true, failed: false)
        #expect(slot.tryReserve() == .holding)
        #expect(!slot.tryClaimHeld(connection: 9, at: 300))
        #expect(slot.stage == .reserved && slot.connection == 7 && slot.startedAt == 100)
    }
}
