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

    /// A host draining since a SIGTERM, until `deadline`.
    func draining(until deadline: UInt64) -> HostLifecycle {
        var lifecycle = serving()
        #expect(lifecycle.handle(.stopRequested(signal: SIGTERM, deadline: deadline)) == .beginDrain(signal: SIGTERM))
        return lifecycle
    }

    @Test func aHostStartsThenServes() {
        var lifecycle = HostLifecycle()
        #expect(lifecycle.state == .starting && !lifecycle.isWindingDown)
        #expect(lifecycle.handle(.tick(now: 5, drained: true)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.started) == HostLifecycle.Decision.none)
        #expect(lifecycle.state == .serving && !lifecycle.isWindingDown && lifecycle.drainDeadline == nil)
    }

    @Test func aStopSignalStartsTheDrainWithItsDeadline() {
        let lifecycle = draining(until: 40)
        #expect(lifecycle.state == .draining(deadline: 40))
        #expect(lifecycle.isWindingDown && lifecycle.drainDeadline == 40)
    }

    @Test func aSecondStopSignalWhileDrainingChangesNothing() {
        var lifecycle = draining(until: 40)
        #expect(lifecycle.handle(.stopRequested(signal: SIGTERM, deadline: 90)) == HostLifecycle.Decision.none)
        #expect(lifecycle.handle(.stopRequested(signal: SIGINT, deadline: 10)) == HostLifecycle.Decision.none)
        #expect(lifecycle.state == .draining(deadline: 40), "the first deadline stands")
    }

    @Test func sighupReloadsWhileServingOnly() {
        var lifecycle = serving()
        #expect(lifecycle.handle(.reloadRequested) == .reload)
        #expect(lifecycle.state == .serving)
        var drainingHost = draining(until: 40)
        #expect(drainingHost.handle(.reloadRequested) == HostLifecycle.Decision.none)
        #expect(drainingHost.state == .draining(deadline: 40))
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
        #expect(lifecycle.handle(.stopRequested(signal: 0, deadline: 40)) == .beginDrain(signal: 0))
        #expect(lifecycle.handle(.started) == HostLifecycle.Decision.none)
        #expect(lifecycle.state == .draining(deadline: 40))
    }

    @Test func stoppingIsFinal() {
        var lifecycle = draining(until: 40)
        #expect(lifecycle.handle(.tick(now: 40, drained: false)) == .shutDown)
        for event in [
            HostLifecycle.Event.started, .stopRequested(signal: SIGTERM, deadline: 99), .reloadRequested, .tick(now: 100, drained: true),
        ] {
            #expect(lifecycle.handle(event) == HostLifecycle.Decision.none)
            #expect(lifecycle.state == .stopping)
        }
    }

    @Test func theDrainDeadlineIsTheLongestTimeoutPlusTheGrace() {
        let policy = SupervisionPolicy()
        #expect(policy.drainDeadline(start: 1_000, longestTimeoutSeconds: 30) == 1_000 + 30_000_000_000 + 2_000_000_000)
        #expect(policy.drainDeadline(start: 0, longestTimeoutSeconds: 0.5) == 2_500_000_000)
    }
}
