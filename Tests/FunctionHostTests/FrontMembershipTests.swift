import Testing

@testable import FunctionHost

/// The active health check's decisions, round by round.
@Suite struct FrontMembershipTests {
    let a = UpstreamAddress(host: "10.0.0.11", port: 8080)
    let b = UpstreamAddress(host: "10.0.0.12", port: 8080)
    let c = UpstreamAddress(host: "10.0.0.13", port: 8080)

    @Test func everyHostStartsUpAndStaysUpWhileServing() {
        var membership = FrontMembership(hosts: [a, b])
        #expect(membership.markedDown.isEmpty)
        let update = membership.record([a: .serving, b: .serving])
        #expect(update == FrontMembership.Update(events: [], reconfigure: false))
    }

    @Test func aDrainingHostGoesDownAtItsFirst503AndComesBackAfterTwo200s() {
        var membership = FrontMembership(hosts: [a, b])
        let down = membership.record([a: .draining, b: .serving])
        #expect(down.events == [.hostDown(a, reason: "draining")])
        #expect(down.reconfigure)
        #expect(membership.markedDown == [a])

        #expect(membership.record([a: .draining, b: .serving]) == FrontMembership.Update(events: [], reconfigure: false))
        let once = membership.record([a: .serving, b: .serving])
        #expect(once.events.isEmpty && !once.reconfigure, "one 200 is not enough")
        #expect(membership.markedDown == [a])
        let twice = membership.record([a: .serving, b: .serving])
        #expect(twice.events == [.hostUp(a)])
        #expect(twice.reconfigure)
        #expect(membership.markedDown.isEmpty)
    }

    @Test func a503BetweenTwo200sStartsTheCountAgain() {
        var membership = FrontMembership(hosts: [a, b])
        _ = membership.record([a: .failed("refused")])
        _ = membership.record([a: .serving])
        _ = membership.record([a: .draining])
        #expect(membership.record([a: .serving]).events.isEmpty)
        #expect(membership.record([a: .serving]).events == [.hostUp(a)])
    }

    @Test func aFailureIsReportedWithItsReason() {
        var membership = FrontMembership(hosts: [a, b])
        #expect(membership.record([b: .failed("health answered 500")]).events == [.hostDown(b, reason: "health answered 500")])
    }

    @Test func thresholdsAreConfigurable() {
        var membership = FrontMembership(hosts: [a, b], downAfter: 3, upAfter: 1)
        #expect(membership.record([a: .draining]).events.isEmpty)
        #expect(membership.record([a: .draining]).events.isEmpty)
        #expect(membership.record([a: .draining]).events == [.hostDown(a, reason: "draining")])
        #expect(membership.record([a: .serving]).events == [.hostUp(a)])
        // Below 1 means 1.
        let clamped = FrontMembership(hosts: [a], downAfter: 0, upAfter: -2)
        #expect(clamped.downAfter == 1 && clamped.upAfter == 1)
    }

    @Test func hostsWithoutAProbeKeepTheirState() {
        var membership = FrontMembership(hosts: [a, b])
        _ = membership.record([a: .draining])
        #expect(membership.record([:]) == FrontMembership.Update(events: [], reconfigure: false))
        #expect(membership.markedDown == [a])
        // A probe for a host not in the list changes nothing.
        #expect(membership.record([c: .draining]).events.isEmpty)
    }

    @Test func whenEveryHostIsDownNoneIsMarkedDown() {
        var membership = FrontMembership(hosts: [a, b, c])
        _ = membership.record([a: .draining])
        _ = membership.record([b: .failed("timed out")])
        #expect(membership.markedDown == [a, b])
        let all = membership.record([c: .draining])
        #expect(all.events == [.hostDown(c, reason: "draining"), .allHostsDown])
        #expect(all.reconfigure, "from two marked down to none")
        #expect(membership.markedDown.isEmpty)
        #expect(membership.down == [a, b, c])

        // One back: the other two are marked down again.
        _ = membership.record([b: .serving])
        let back = membership.record([b: .serving])
        #expect(back.events == [.hostUp(b)])
        #expect(back.reconfigure)
        #expect(membership.markedDown == [a, c])
    }

    @Test func aSingleHostIsNeverMarkedDown() {
        var membership = FrontMembership(hosts: [a])
        let update = membership.record([a: .draining])
        #expect(update.events == [.hostDown(a, reason: "draining"), .allHostsDown])
        #expect(!update.reconfigure)
        #expect(membership.markedDown.isEmpty)
    }
}
