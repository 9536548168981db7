import Testing

@testable import FunctionHost

let millisecond: UInt64 = 1_000_000
let second: UInt64 = 1_000_000_000

/// Crash-loop back-off, deadlines and refusal, as arithmetic.
@Suite struct SupervisionPolicyTests {
    @Test func defaults() {
        let policy = SupervisionPolicy()
        #expect(policy.crashWindowNanoseconds == 10 * second)
        #expect(policy.freeRestarts == 3)
        #expect(policy.baseBackoffNanoseconds == 100 * millisecond)
        #expect(policy.maxBackoffNanoseconds == 5 * second)
        #expect(policy.drainGraceNanoseconds == 2 * second)
        #expect(policy.companionStartupNanoseconds == 2 * second)
    }

    @Test(arguments: [
        (-1, 0), (0, 0), (1, 0), (2, 0), (3, 0), (4, 100), (5, 200), (6, 400), (7, 800), (8, 1600), (9, 3200),
        (10, 5000), (11, 5000), (20, 5000), (100, 5000), (Int.max, 5000),
    ] as [(Int, UInt64)])
    func respawnDelayIsFreeThenDoublesUpToTheCap(deaths: Int, milliseconds: UInt64) {
        #expect(SupervisionPolicy().respawnDelay(recentDeaths: deaths) == milliseconds * millisecond)
    }

    @Test func respawnDelayFollowsCustomSettings() {
        var policy = SupervisionPolicy()
        policy.freeRestarts = 0
        policy.baseBackoffNanoseconds = 10 * millisecond
        policy.maxBackoffNanoseconds = 35 * millisecond
        #expect(policy.respawnDelay(recentDeaths: 0) == 0)
        #expect(policy.respawnDelay(recentDeaths: 1) == 10 * millisecond)
        #expect(policy.respawnDelay(recentDeaths: 2) == 20 * millisecond)
        #expect(policy.respawnDelay(recentDeaths: 3) == 35 * millisecond)
    }

    @Test func prunedKeepsOnlyDeathsInsideTheWindow() {
        let policy = SupervisionPolicy()
        let now = 100 * second
        let deaths = [now - 11 * second, now - 10 * second - 1, now - 10 * second, now - 5 * second, now]
        #expect(policy.pruned(deaths, now: now) == [now - 10 * second, now - 5 * second, now])
        #expect(policy.pruned([], now: now) == [])
        // A time after `now` (clock read in another order) is kept rather than wrapping around.
        #expect(policy.pruned([now + 1], now: now) == [now + 1])
        #expect(policy.pruned([0], now: 5 * second) == [0])
    }

    @Test(arguments: [
        (30.0, 30 * second), (0.1, 100 * millisecond), (2.5, 2_500 * millisecond), (600.0, 600 * second),
        (0.0, 0),
    ] as [(Double, UInt64)])
    func deadlinesAddTheTimeout(seconds: Double, nanoseconds: UInt64) {
        let policy = SupervisionPolicy()
        let start: UInt64 = 123_456_789
        #expect(policy.invocationDeadline(start: start, timeoutSeconds: seconds) == start + nanoseconds)
        #expect(policy.queueDeadline(arrival: start, queueTimeoutSeconds: seconds) == start + nanoseconds)
    }

    @Test(arguments: [
        // queued, maxQueue, queueTimeout, idle, refused
        (0, 128, 5.0, 0, false), (127, 128, 5.0, 0, false), (128, 128, 5.0, 0, true), (200, 128, 5.0, 0, true),
        (0, 0, 5.0, 0, true), (0, 128, 0.0, 0, true), (0, 128, 0.0, 1, false), (128, 128, 5.0, 1, false),
        (5, 0, 0.0, 2, false),
    ] as [(Int, Int, Double, Int, Bool)])
    func refusesAtOnceOnlyWithoutIdleWorkers(queued: Int, maxQueue: Int, queueTimeout: Double, idle: Int, refused: Bool) {
        #expect(
            SupervisionPolicy().refusesAtOnce(
                queued: queued, maxQueue: maxQueue, queueTimeoutSeconds: queueTimeout, idleWorkers: idle) == refused)
    }
}

/// Accepting pauses after a failed accept, doubling, and resumes after one succeeds.
@Suite struct AcceptGateTests {
    @Test func pausesDoubleUpToOneSecond() {
        let policy = SupervisionPolicy()
        #expect(policy.acceptPause(consecutiveFailures: 0) == 0)
        #expect(policy.acceptPause(consecutiveFailures: 1) == 50 * millisecond)
        #expect(policy.acceptPause(consecutiveFailures: 2) == 100 * millisecond)
        #expect(policy.acceptPause(consecutiveFailures: 5) == 800 * millisecond)
        #expect(policy.acceptPause(consecutiveFailures: 6) == second)
        #expect(policy.acceptPause(consecutiveFailures: 1000) == second)
    }

    @Test func aFailedAcceptClosesTheGateUntilItsPauseEnds() {
        let policy = SupervisionPolicy()
        var gate = AcceptGate()
        #expect(gate.isOpen(now: 0))
        let resume = gate.failed(now: 10 * second, policy: policy)
        #expect(resume == 10 * second + 50 * millisecond)
        #expect(!gate.isOpen(now: 10 * second))
        #expect(!gate.isOpen(now: resume - 1))
        #expect(gate.isOpen(now: resume))
        #expect(gate.failed(now: resume, policy: policy) == resume + 100 * millisecond, "a second failure in a row waits longer")
        gate.succeeded()
        #expect(gate.isOpen(now: resume) && gate.resumeAt == nil)
        #expect(gate.failed(now: 20 * second, policy: policy) == 20 * second + 50 * millisecond, "then it starts again from 50 ms")
    }
}

/// What the master does about an invocation at its timeout.
@Suite struct TimeoutVerdictTests {
    @Test func computingPastTheTimeoutIsAnswered504AndWritingGetsAGrace() {
        let policy = SupervisionPolicy()
        #expect(policy.timeoutVerdict(writingAnswer: false, start: second, timeoutSeconds: 1, now: 2 * second - 1) == TimeoutVerdict.none)
        #expect(policy.timeoutVerdict(writingAnswer: false, start: second, timeoutSeconds: 1, now: 2 * second) == .answerTimeout)
        #expect(policy.timeoutVerdict(writingAnswer: true, start: second, timeoutSeconds: 1, now: 2 * second) == TimeoutVerdict.none)
        #expect(policy.timeoutVerdict(writingAnswer: true, start: second, timeoutSeconds: 1, now: 4 * second - 1) == TimeoutVerdict.none)
        #expect(policy.timeoutVerdict(writingAnswer: true, start: second, timeoutSeconds: 1, now: 4 * second) == .killUnanswered)
    }
}

/// Whether a companion that exited is started again, by moving the clock past its start.
@Suite struct CompanionVerdictTests {
    @Test func aCompanionThatDiesWithinTheGuardStopsTheHostAndOneThatLivedLongerIsRestarted() {
        let policy = SupervisionPolicy()
        let started = 50 * second
        #expect(policy.companionVerdict(startedAt: started, now: started, windingDown: false) == .stopHost)
        #expect(policy.companionVerdict(startedAt: started, now: started + 2 * second - 1, windingDown: false) == .stopHost)
        #expect(policy.companionVerdict(startedAt: started, now: started + 2 * second, windingDown: false) == .restart)
        #expect(policy.companionVerdict(startedAt: started, now: started + 3_600 * second, windingDown: false) == .restart)
        // A clock read before the start (another order of reads) counts as no time lived, not as wrapped around.
        #expect(policy.companionVerdict(startedAt: started, now: started - 1, windingDown: false) == .stopHost)
    }

    @Test func whileTheHostWindsDownAnExitIsOnlyItsStop() {
        let policy = SupervisionPolicy()
        #expect(policy.companionVerdict(startedAt: second, now: second, windingDown: true) == .stopped)
        #expect(policy.companionVerdict(startedAt: second, now: 100 * second, windingDown: true) == .stopped)
    }

    @Test func theGuardFollowsItsSettingAndZeroRestartsEveryDeath() {
        var policy = SupervisionPolicy()
        policy.companionStartupNanoseconds = 300 * millisecond
        #expect(policy.companionVerdict(startedAt: second, now: second + 299 * millisecond, windingDown: false) == .stopHost)
        #expect(policy.companionVerdict(startedAt: second, now: second + 300 * millisecond, windingDown: false) == .restart)
        policy.companionStartupNanoseconds = 0
        #expect(policy.companionVerdict(startedAt: second, now: second, windingDown: false) == .restart)
    }
}
