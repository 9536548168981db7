import Testing

@testable import FunctionHost

/// Timer leadership as the master sees it, with a fake clock.
@Suite struct LeaderLeaseTests {
    let second: UInt64 = 1_000_000_000

    @Test func aNewLeaderWaitsOutOneValidityThenLeadsWhileItsLastProofIsYoung() {
        var lease = LeaderLease(validityNanoseconds: 3 * second)
        #expect(!lease.leads(now: 0) && lease.leader == nil)
        lease.acquired(sentAt: 10 * second, answeredAt: 10 * second + 5, by: "a")
        #expect(lease.holdsLock && lease.leader == "a")
        #expect(!lease.leads(now: 10 * second) && !lease.leads(now: 13 * second + 4), "the previous leader's proof may still run")
        lease.proven(sentAt: 12 * second, by: "a")
        #expect(lease.leads(now: 13 * second + 5) && lease.leads(now: 15 * second - 1))
        #expect(!lease.leads(now: 15 * second), "a partitioned leader stops by itself")
        // A later proof extends it; a late report of an older round trip never shortens it.
        lease.proven(sentAt: 14 * second, by: "a")
        lease.proven(sentAt: 13 * second, by: "a")
        #expect(lease.leads(now: 17 * second - 1) && !lease.leads(now: 17 * second))
    }

    @Test func theOldLeaderStopsBeforeTheNewOneStartsWhateverEndedItsSession() {
        // The old leader's last proof went out at 100 s; its session then ended (killed, cut off,
        // server restart) and the new one got the lock in an answer at 100.2 s on its own clock.
        var old = LeaderLease(validityNanoseconds: 3 * second)
        old.acquired(sentAt: 0, answeredAt: 0, by: "a")
        old.proven(sentAt: 100 * second, by: "a")
        var new = LeaderLease(validityNanoseconds: 3 * second)
        new.acquired(sentAt: 100 * second, answeredAt: 100 * second + 200_000_000, by: "b")
        new.proven(sentAt: 102 * second, by: "b")
        for now in stride(from: 99 * second, through: 106 * second, by: 100_000_000) {
            #expect(!(old.leads(now: now) && new.leads(now: now)), "both lead at \(now)")
        }
        #expect(new.leads(now: 104 * second))
    }

    @Test func losingTheSessionOrSeeingAnotherHolderEndsLeadershipAtOnce() {
        var lease = LeaderLease(validityNanoseconds: 3 * second)
        lease.acquired(sentAt: 0, answeredAt: 0, by: "a")
        lease.lost()
        #expect(!lease.leads(now: 1) && lease.leader == nil)
        lease.acquired(sentAt: 5 * second, answeredAt: 5 * second, by: "a")
        lease.heldElsewhere(by: "b", sentAt: 6 * second)
        #expect(!lease.leads(now: 6 * second) && lease.leader == "b")
    }

    @Test func aHostReachesTheDatabaseWhileAnyRoundTripIsRecentLeaderOrNot() {
        var lease = LeaderLease(validityNanoseconds: 3 * second)
        #expect(!lease.reachesDatabase(now: 0), "not before the first round trip")
        lease.heldElsewhere(by: "b", sentAt: 10 * second)
        #expect(lease.reachesDatabase(now: 12 * second) && !lease.reachesDatabase(now: 13 * second))
        lease.proven(sentAt: 20 * second, by: "a")
        lease.lost()
        #expect(lease.reachesDatabase(now: 22 * second), "a lost lock is not a lost database")
        #expect(!lease.reachesDatabase(now: 23 * second))
    }

    @Test func theValidityMustOutlastAHeartbeat() {
        #expect(TimerElectionSettings(databaseURL: "postgresql:///x", hostName: "a").problem == nil, "1 s heartbeat, 3 s validity")
        let tooShort = TimerElectionSettings(databaseURL: "postgresql:///x", hostName: "a", heartbeatSeconds: 2, validitySeconds: 2)
        #expect(tooShort.problem?.contains("heartbeat") == true)
    }

    @Test func eachSchemaElectsApartAndTheKeysAreValidOids() {
        let a = TimerElectionSettings(databaseURL: "x", schema: "app_one", hostName: "h").lockKeys
        let b = TimerElectionSettings(databaseURL: "x", schema: "app_two", hostName: "h").lockKeys
        let plain = TimerElectionSettings(databaseURL: "x", hostName: "h").lockKeys
        #expect(a.0 == b.0 && a.1 != b.1 && plain.1 != a.1)
        #expect([a.0, a.1, b.1, plain.1].allSatisfy { $0 >= 0 })
        #expect(SQLPattern.prefix("fnhost-timers:") == "fnhost-timers:%")
        #expect(SQLPattern.prefix("a_b%c") == "a\\_b\\%c%")
    }
}
