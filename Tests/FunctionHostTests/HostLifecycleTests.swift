#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import FunctionHost

/// The host's states and the transitions between them, without a process.
@Suite struct HostLifecycleTests {
    /// A host that has started and serves.
    func serving() -> HostLifecycle {
        var lifecycle = HostLifecycle()
        #expect(lifecycle.handle(.started) == HostLifecycle.Decision.none)
        #expect(lifecycle.state == .serving)
        return lifecycle
    }

    /// A host draining since a SIGTERM at 0 with no notice, until `deadline`.
    func draining(until deadline: UInt64) -> HostLifecycle {
        var lifecycle = serving()
        let decision = lifecycle.handle(.stopRequested(signal: SIGTERM, now: 0, noticeEnds: 0, deadline: deadline))
        #expect(decision == .announceDrain(signal: SIGTERM, stopTakingWork: true))
        return lifecycle
    }

    @Test func aHostStartsThenServes() {
        var lifecycle = HostLifecycle()
        #expect(lifecycle.state == .starting && !lifecycle.isWindingDown && !lifecycle.isServing)
        #expect(lifecycle.handle(.tick(now: 5, drained: true)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.started) == HostLifecycle.Decision.none)
        #expect(lifecycle.state == .serving && !lifecycle.isWindingDown && lifecycle.drainDeadline == nil)
        #expect(lifecycle.isServing && lifecycle.firesTimers && lifecycle.name == "serving")
    }

    @Test func aStopSignalWithoutNoticeStopsTakingWorkAtOnce() {
        let lifecycle = draining(until: 40)
        #expect(lifecycle.state == .draining(.init(noticeEnds: 0, deadline: 40, noticeOver: true)))
        #expect(lifecycle.isWindingDown && lifecycle.drainDeadline == 40 && !lifecycle.isServing)
        #expect(lifecycle.name == "draining" && lifecycle.nextWakeUp == 40)
    }

    @Test func duringTheNoticeTheHostServesButSaysItIsDraining() {
        var lifecycle = serving()
        let decision = lifecycle.handle(.stopRequested(signal: SIGTERM, now: 100, noticeEnds: 3_100, deadline: 50_000))
        #expect(decision == .announceDrain(signal: SIGTERM, stopTakingWork: false))
        // Still takes work (respawns, connections watched), but is unhealthy and fires no timer.
        #expect(!lifecycle.isWindingDown && !lifecycle.isServing && !lifecycle.firesTimers)
        #expect(lifecycle.nextWakeUp == 3_100)
        // Even when everything is idle, the drain does not end during the notice.
        #expect(lifecycle.handle(.tick(now: 3_099, drained: true)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.tick(now: 3_100, drained: true)) == .stopTakingWork)
        #expect(lifecycle.isWindingDown && lifecycle.nextWakeUp == 50_000)
        #expect(lifecycle.handle(.tick(now: 3_101, drained: true)) == .shutDown)
    }

    @Test func theDeadlineNeverFallsInsideTheNotice() {
        var lifecycle = serving()
        _ = lifecycle.handle(.stopRequested(signal: SIGTERM, now: 0, noticeEnds: 5_000, deadline: 1_000))
        #expect(lifecycle.drainDeadline == 5_000)
        #expect(lifecycle.handle(.tick(now: 4_000, drained: false)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.tick(now: 5_000, drained: false)) == .stopTakingWork)
        #expect(lifecycle.handle(.tick(now: 5_000, drained: false)) == .shutDown)
    }

    @Test func aSecondStopSignalWhileDrainingChangesNothing() {
        var lifecycle = draining(until: 40)
        #expect(lifecycle.handle(.stopRequested(signal: SIGTERM, now: 1, noticeEnds: 1, deadline: 90)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.stopRequested(signal: SIGINT, now: 1, noticeEnds: 1, deadline: 10)) == HostLifecycle.Decision.none)
        #expect(lifecycle.drainDeadline == 40, "the first deadline stands")
    }

    @Test func sighupReloadsWhileServingOnly() {
        var lifecycle = serving()
        #expect(lifecycle.handle(.reloadRequested) == .reload)
        #expect(lifecycle.state == .serving)
        var drainingHost = draining(until: 40)
        #expect(drainingHost.handle(.reloadRequested) == HostLifecycle.Decision.none)
        #expect(drainingHost.drainDeadline == 40)
        var starting = HostLifecycle()
        #expect(starting.handle(.reloadRequested) == HostLifecycle.Decision.none)
    }

    @Test func theDrainEndsWhenAllIsIdleBeforeTheDeadline() {
        var lifecycle = draining(until: 40)
        #expect(lifecycle.handle(.tick(now: 10, drained: false)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.tick(now: 11, drained: true)) == .shutDown)
        #expect(lifecycle.state == .stopping && lifecycle.isWindingDown && lifecycle.drainDeadline == nil)
    }

    @Test func theDrainEndsAtItsDeadlineWhateverStillRuns() {
        var lifecycle = draining(until: 40)
        #expect(lifecycle.handle(.tick(now: 39, drained: false)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.tick(now: 40, drained: false)) == .shutDown)
        #expect(lifecycle.state == .stopping)
    }

    @Test func aStopWhileStartingDrainsAndStartingEndsLeavesItDraining() {
        var lifecycle = HostLifecycle()
        // A companion that cannot start stops the host on its own (signal 0).
        let decision = lifecycle.handle(.stopRequested(signal: 0, now: 0, noticeEnds: 0, deadline: 40))
        #expect(decision == .announceDrain(signal: 0, stopTakingWork: true))
        #expect(lifecycle.handle(.started) == HostLifecycle.Decision.none)
        #expect(lifecycle.drainDeadline == 40 && lifecycle.isWindingDown)
    }

    @Test func stoppingIsFinal() {
        var lifecycle = draining(until: 40)
        #expect(lifecycle.handle(.tick(now: 40, drained: false)) == .shutDown)
        for event in [
            HostLifecycle.Event.started, .stopRequested(signal: SIGTERM, now: 99, noticeEnds: 99, deadline: 99), .reloadRequested,
            .tick(now: 100, drained: true),
        ] {
            #expect(lifecycle.handle(event) == HostLifecycle.Decision.none)
            #expect(lifecycle.state == .stopping && lifecycle.name == "stopping")
        }
    }

    @Test func theDrainDeadlineIsTheLongestTimeoutPlusTheGrace() {
        let policy = SupervisionPolicy()
        #expect(policy.drainDeadline(start: 1_000, longestTimeoutSeconds: 30) == 1_000 + 30_000_000_000 + 2_000_000_000)
        #expect(policy.drainDeadline(start: 0, longestTimeoutSeconds: 0.5) == 2_500_000_000)
    }
}
