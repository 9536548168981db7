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

func idleSlot(_ pid: Int32 = 0, control: Int32 = -1) -> WorkerSlot {
    WorkerSlot(pid: pid, control: control, state: .idle)
}

func busySlot(deadline: UInt64, connection: Int32 = 50) -> WorkerSlot {
    WorkerSlot(
        pid: 0, control: -1,
        state: .busy(RunningInvocation(connection: connection, dispatchedAt: 0, deadline: deadline, request: RequestSummary())))
}

func pending(_ descriptor: Int32, at arrival: UInt64, requestId: String = "") -> PendingConnection {
    PendingConnection(
        descriptor: descriptor, arrivedAt: arrival,
        request: RequestSummary(fastCGIRequestId: 1, requestId: requestId, method: "POST"))
}

/// The pool's queueing and dispatch rules, with fabricated worker slots.
@Suite struct FunctionPoolTests {
    let policy = SupervisionPolicy()

    @Test func countsIdleAndActiveWorkers() {
        var pool = FunctionPool(spec: poolSpec(), listener: nil)
        pool.workers = [
            idleSlot(10, control: 3), busySlot(deadline: 5), WorkerSlot(pid: 12, control: 5, state: .retiring),
            WorkerSlot(pid: 13, control: -1, state: .dead(respawnAt: 9)), idleSlot(14, control: 7),
        ]
        #expect(pool.idleCount == 2)
        #expect(pool.activeCount == 1)
        #expect(pool.slot(forControl: 5) == 2)
        #expect(pool.slot(forControl: 99) == nil)
        #expect(pool.slot(forPid: 14) == 4)
        #expect(pool.slot(forPid: 99) == nil)
    }

    @Test func enqueueAcceptsUpToMaxQueueWhenNoWorkerIsIdle() {
        var pool = FunctionPool(spec: poolSpec(maxQueue: 2), listener: nil)
        pool.workers = [busySlot(deadline: 100)]
        let accepted = (1...3).map { pool.enqueue(pending(Int32($0), at: UInt64($0)), policy: policy) }
        #expect(accepted == [true, true, false])
        #expect(pool.queue.map(\.descriptor) == [1, 2])
        #expect(pool.statistics.maxQueued == 2)
    }

    @Test func enqueueWithAnIdleWorkerIsAlwaysAccepted() {
        var pool = FunctionPool(spec: poolSpec(queueTimeout: 0, maxQueue: 0), listener: nil)
        pool.workers = [idleSlot()]
        let accepted = pool.enqueue(pending(1, at: 0), policy: policy)
        #expect(accepted)
        #expect(pool.queue.count == 1)
    }

    @Test func zeroQueueTimeoutRefusesWhenEveryWorkerIsBusy() {
        var pool = FunctionPool(spec: poolSpec(queueTimeout: 0, maxQueue: 10), listener: nil)
        pool.workers = [busySlot(deadline: 100), WorkerSlot(pid: 0, control: -1, state: .dead(respawnAt: 1))]
        let accepted = pool.enqueue(pending(1, at: 0), policy: policy)
        #expect(!accepted)
        #expect(pool.queue.isEmpty)
    }

    @Test func nextDispatchPairsTheOldestRequestWithTheFirstIdleWorker() throws {
        var pool = FunctionPool(spec: poolSpec(timeout: 30), listener: nil)
        pool.workers = [
            busySlot(deadline: 100), WorkerSlot(pid: 0, control: -1, state: .retiring), idleSlot(21), idleSlot(22),
        ]
        let nothing = pool.nextDispatch(now: 0, policy: policy)
        #expect(nothing == nil)  // nothing queued
        pool.queue = [pending(7, at: 1, requestId: "r-7"), pending(8, at: 2)]

        let now = 50 * second
        let dispatched = pool.nextDispatch(now: now, policy: policy)
        let first = try #require(dispatched)
        #expect(first.slot == 2)
        #expect(first.invocation.connection == 7)
        #expect(first.invocation.dispatchedAt == now)
        #expect(first.invocation.deadline == now + 30 * second)
        #expect(first.invocation.request == RequestSummary(fastCGIRequestId: 1, requestId: "r-7", method: "POST"))
        #expect(pool.workers[2].invocation?.connection == 7)
        #expect(!pool.workers[2].isIdle)

        let dispatchedNext = pool.nextDispatch(now: now + 1, policy: policy)
        let next = try #require(dispatchedNext)
        #expect(next.slot == 3)
        #expect(next.invocation.connection == 8)
        #expect(pool.queue.isEmpty)
        #expect(pool.statistics.accepted == 2)
        #expect(pool.statistics.maxActive == 3)

        pool.queue = [pending(9, at: 3)]
        let none = pool.nextDispatch(now: now + 2, policy: policy)
        #expect(none == nil)  // no idle worker left
        #expect(pool.queue.count == 1)
    }

    @Test func expiredQueueRemovesRequestsPastTheQueueTimeout() {
        var pool = FunctionPool(spec: poolSpec(queueTimeout: 5, maxQueue: 10), listener: nil)
        pool.queue = [pending(1, at: 0), pending(2, at: 1 * second), pending(3, at: 1 * second + 1), pending(4, at: 6 * second)]
        let early = pool.expiredQueue(now: 4 * second, policy: policy)
        #expect(early.isEmpty)
        #expect(pool.statistics.throttled == 0)
        let expired = pool.expiredQueue(now: 6 * second, policy: policy)
        #expect(expired.map(\.descriptor) == [1, 2])  // a deadline equal to now has passed
        #expect(pool.queue.map(\.descriptor) == [3, 4])
        #expect(pool.statistics.throttled == 2)
        let late = pool.expiredQueue(now: 20 * second, policy: policy)
        #expect(late.map(\.descriptor) == [3, 4])
        #expect(pool.queue.isEmpty)
        #expect(pool.statistics.throttled == 4)
    }

    @Test func timedOutListsBusyWorkersPastTheirDeadline() {
        var pool = FunctionPool(spec: poolSpec(), listener: nil)
        pool.workers = [
            busySlot(deadline: 10), idleSlot(), busySlot(deadline: 20), busySlot(deadline: 30),
            WorkerSlot(pid: 0, control: -1, state: .dead(respawnAt: 1)),
        ]
        #expect(pool.timedOut(now: 9) == [])
        #expect(pool.timedOut(now: 20) == [0, 2])
        #expect(pool.timedOut(now: 1 << 62) == [0, 2, 3])
    }

    @Test func recordDeathRespawnsAtOnceThenBacksOff() {
        var pool = FunctionPool(spec: poolSpec(), listener: nil)
        let base = 1_000 * second
        let respawns = (0..<5).map { pool.recordDeath(now: base + UInt64($0), policy: policy) }
        #expect(respawns == [base, base + 1, base + 2, base + 3 + 100 * millisecond, base + 4 + 200 * millisecond])
        #expect(pool.recentDeaths.count == 5)
        // Eleven seconds later the old deaths have left the window.
        let later = base + 11 * second
        let respawn = pool.recordDeath(now: later, policy: policy)
        #expect(respawn == later)
        #expect(pool.recentDeaths == [later])
    }

    @Test func nextWakeUpIsTheEarliestDeadlineRespawnOrQueueTimeout() {
        var pool = FunctionPool(spec: poolSpec(queueTimeout: 5), listener: nil)
        #expect(pool.nextWakeUp(policy: policy) == nil)
        pool.workers = [idleSlot(), WorkerSlot(pid: 0, control: -1, state: .retiring)]
        #expect(pool.nextWakeUp(policy: policy) == nil)

        pool.workers.append(busySlot(deadline: 40 * second))
        #expect(pool.nextWakeUp(policy: policy) == 40 * second)
        pool.workers.append(WorkerSlot(pid: 0, control: -1, state: .dead(respawnAt: 30 * second)))
        #expect(pool.nextWakeUp(policy: policy) == 30 * second)
        pool.queue = [pending(1, at: 20 * second), pending(2, at: 21 * second)]
        #expect(pool.nextWakeUp(policy: policy) == 25 * second)
        pool.workers.append(busySlot(deadline: 7))
        #expect(pool.nextWakeUp(policy: policy) == 7)
    }
}
