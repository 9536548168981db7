import Postgres
import Testing

@testable import FunctionHost

/// Timer leadership as the master sees it, with a fake clock.
@Suite struct LeaderLeaseTests {
    let second: UInt64 = 1_000_000_000

    @Test func aHostLeadsOnlyWhileItsLastProofIsYoungerThanTheValidity() {
        var lease = LeaderLease(validityNanoseconds: 3 * second)
        #expect(!lease.leads(now: 0) && lease.leader == nil)
        lease.proven(sentAt: 10 * second, by: "a")
        #expect(lease.leads(now: 10 * second) && lease.leads(now: 13 * second - 1))
        #expect(!lease.leads(now: 13 * second), "a partitioned leader stops by itself")
        #expect(lease.leader == "a")
        // A later proof extends it; a late report of an older round trip never shortens it.
        lease.proven(sentAt: 12 * second, by: "a")
        lease.proven(sentAt: 11 * second, by: "a")
        #expect(lease.leads(now: 15 * second - 1) && !lease.leads(now: 15 * second))
    }

    @Test func losingTheSessionOrSeeingAnotherHolderEndsLeadershipAtOnce() {
        var lease = LeaderLease(validityNanoseconds: 3 * second)
        lease.proven(sentAt: 0, by: "a")
        lease.lost()
        #expect(!lease.leads(now: 1) && lease.leader == nil)
        lease.proven(sentAt: 5 * second, by: "a")
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

    @Test func theValidityMustOutlastAHeartbeatAndEndBeforeTheServerDropsASilentSession() {
        let good = TimerElectionSettings(databaseURL: "postgresql:///x", hostName: "a")
        #expect(good.problem == nil, "defaults: 1 s heartbeat, 3 s validity, 5 s detection")
        let tooLong = TimerElectionSettings(databaseURL: "postgresql:///x", hostName: "a", validitySeconds: 5)
        #expect(tooLong.problem?.contains("dead-peer detection") == true)
        let tooShort = TimerElectionSettings(databaseURL: "postgresql:///x", hostName: "a", heartbeatSeconds: 2, validitySeconds: 2)
        #expect(tooShort.problem?.contains("heartbeat") == true)
        let slowDetection = TimerElectionSettings(
            databaseURL: "postgresql:///x", hostName: "a", validitySeconds: 4,
            liveness: PostgresLiveness(idleSeconds: 1, intervalSeconds: 1, probes: 1, userTimeoutMilliseconds: 3000))
        #expect(slowDetection.problem != nil)
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
