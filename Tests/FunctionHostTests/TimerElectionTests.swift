import FnhostTestSupport
import FunctionRuntime
import Postgres
import Testing

@testable import FunctionHost

/// The election against the real PostgreSQL: one leader per schema, takeover when the leader's
/// session ends or it lets go.
@Suite(.serialized) struct TimerElectionTests {
    /// Names no other test's sessions carry (other suites run hosts called alpha and beta at the same time).
    let alpha = "alpha-\(UInt32.random(in: .min ... .max))"
    let beta = "beta-\(UInt32.random(in: .min ... .max))"

    func election(_ name: String, schema: String) throws -> TimerElection {
        TimerElection(settings: TimerElectionSettings(databaseURL: try TestDatabase.url(), schema: schema, hostName: name))
    }

    func now() -> UInt64 { Clock.monotonicNanoseconds() }

    @Test func oneLeadsTheOtherKnowsWhoAndTakesOverWhenTheLeaderLetsGo() throws {
        let schema = TestDatabase.uniqueSchema("elect")
        let first = try election(alpha, schema: schema)
        first.start()
        #expect(poll(within: 10) { first.leads(now: now()) }, "the only candidate leads")
        let second = try election(beta, schema: schema)
        second.start()
        #expect(poll(within: 10) { second.leader == alpha }, "the other names the leader: \(String(describing: second.leader))")
        #expect(!second.leads(now: now()) && first.leads(now: now()))

        first.release()
        #expect(!first.leads(now: now()), "letting go ends leadership at once")
        #expect(poll(within: 10) { second.leads(now: now()) }, "the other takes over")
        #expect(second.leader == beta)
        #expect(poll(within: 5) { first.hasStopped })
        let reports = first.takeReports().map(\.event)
        #expect(reports.first == "timer_leader" && reports.last == "timer_leader_released")
        second.release()
        #expect(poll(within: 5) { second.hasStopped })
    }

    @Test func aLeaderWhoseSessionIsKilledStopsLeadingAndSomeoneTakesOver() throws {
        let schema = TestDatabase.uniqueSchema("elect")
        let first = try election(alpha, schema: schema)
        first.start()
        #expect(poll(within: 10) { first.leads(now: now()) })
        let second = try election(beta, schema: schema)
        second.start()
        #expect(poll(within: 10) { second.leader == alpha })
        // The server ends the leader's session (as when it drops a partitioned host's connection).
        let admin = try TestDatabase.connect()
        let killed = try admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", ["fnhost-timers:" + alpha])
        #expect(killed.count == 1)
        #expect(poll(within: 10) { second.leads(now: now()) || first.leads(now: now()) && second.leader == alpha })
        // Never both at once, whoever won the race.
        #expect(!(first.leads(now: now()) && second.leads(now: now())))
        #expect(first.takeReports().contains { $0.event == "timer_leader_lost" } || first.leads(now: now()))
        first.release()
        second.release()
        #expect(poll(within: 5) { first.hasStopped && second.hasStopped })
    }

    @Test func electionsOfDifferentSchemasDoNotMeet() throws {
        let one = try election(alpha, schema: TestDatabase.uniqueSchema("elect"))
        let two = try election(beta, schema: TestDatabase.uniqueSchema("elect"))
        one.start()
        two.start()
        #expect(poll(within: 10) { one.leads(now: now()) && two.leads(now: now()) })
        one.release()
        two.release()
        #expect(poll(within: 5) { one.hasStopped && two.hasStopped })
    }
}
