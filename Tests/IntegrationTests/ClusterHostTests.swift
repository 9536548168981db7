import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// Hosts of one cluster on the real PostgreSQL: one fires the timers, the others stand by and take
/// over; the health endpoint tells a balancer when a host drains.
@Suite(.serialized) struct ClusterHostTests {
    /// A fixture host in a cluster on `schema` (its own timer election), recording ticks in `ticks`.
    static func host(_ name: String, schema: String, ticks: String, extra: [String] = []) throws -> HostStack {
        try HostStack(
            extraArguments: ["--cluster", "--host-name", name, "--no-watch"] + extra,
            environment: ["DATABASE_URL": try TestDatabase.url(), "MAIN_DB_SCHEMA": schema, "TICKER_DIR": ticks])
    }

    /// The `every-second` ticks each host fired, from their `timer_fired` lines.
    static func ticks(_ hosts: [HostStack]) -> [(host: String, tick: Int64)] {
        hosts.flatMap { host in
            host.logEvents("timer_fired").compactMap { line -> (String, Int64)? in
                guard line["trigger"]?.stringValue == "every-second", let tick = line["tick"]?.numberValue,
                    let name = line["host"]?.stringValue
                else { return nil }
                return (name, Int64(tick))
            }
        }
    }

    @Test func twoHostsFireEachTickOnceAndTheOtherTakesOverWhenTheLeaderDies() throws {
        let schema = TestDatabase.uniqueSchema("cluster")
        let folder = try TemporaryFolder("ticks")
        let alpha = try Self.host("alpha", schema: schema, ticks: folder.url.path)
        defer { alpha.stop() }
        let beta = try Self.host("beta", schema: schema, ticks: folder.url.path)
        defer { beta.stop() }
        func cluster(_ host: HostStack) -> JSONValue? { try? host.statusPage()["cluster"] }
        // Both agree on one leader.
        let agreed = poll(within: 15) {
            let leaders = [alpha, beta].compactMap { cluster($0)?["timer_leader"]?.stringValue }
            let leading = [alpha, beta].filter { cluster($0)?["leads_timers"] == .bool(true) }
            return leaders.count == 2 && Set(leaders).count == 1 && leading.count == 1
        }
        #expect(agreed, "alpha: \(String(describing: cluster(alpha))), beta: \(String(describing: cluster(beta)))")
        let leaderName = try #require(cluster(alpha)?["timer_leader"]?.stringValue)
        let (leader, standby) = leaderName == "alpha" ? (alpha, beta) : (beta, alpha)
        #expect(try leader.statusPage()["host"]?.stringValue == leaderName)

        // A few ticks: each fired by the leader, and once.
        #expect(poll(within: 15) { Self.ticks([alpha, beta]).count >= 3 })
        let before = Self.ticks([alpha, beta])
        #expect(before.allSatisfy { $0.host == leaderName }, "\(before)")
        #expect(Set(before.map(\.tick)).count == before.count, "no tick fired twice: \(before)")
        let metrics = try sendRequest("http://127.0.0.1:\(leader.adminPort ?? 0)", "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains(#"fnhost_timer_leader{host="\#(leaderName)"} 1"#))
        #expect(text.contains(#"fnhost_pool_size{host="\#(leaderName)",function="echo"}"#))

        // The leader dies outright; the other fires the next ticks, and no tick twice.
        let killedAt = Int64(Clock.epochMilliseconds() / 1000)
        leader.signal(SIGKILL)
        let standbyName = leaderName == "alpha" ? "beta" : "alpha"
        let tookOver = poll(within: 15) { Self.ticks([standby]).contains { $0.tick > killedAt + 1 } }
        #expect(tookOver, "the standby fired after the leader died: \(Self.ticks([standby]))")
        #expect(cluster(standby)?["leads_timers"] == .bool(true) && cluster(standby)?["timer_leader"]?.stringValue == standbyName)
        let all = Self.ticks([alpha, beta])
        #expect(Set(all.map(\.tick)).count == all.count, "no tick fired twice across the handover: \(all)")
    }

    @Test func aDrainingHostSays503WhileItStillServesThenStops() throws {
        let schema = TestDatabase.uniqueSchema("cluster")
        let folder = try TemporaryFolder("ticks")
        let host = try Self.host("solo", schema: schema, ticks: folder.url.path, extra: ["--drain-notice", "2"])
        defer { host.stop() }
        // 200 once the election's session has reached the database.
        let healthy = try #require(pollValue(within: 10) { () -> HTTPClientResponse? in
            guard let answer = try? host.send("/_fnhost/health"), answer.status == 200 else { return nil }
            return answer
        })
        #expect(healthy.json?["database"] == "reachable")
        #expect(healthy.json?["status"] == "serving" && healthy.json?["host"] == "solo")
        #expect(poll(within: 10) { (try? host.statusPage()["cluster"]?["leads_timers"]) == .bool(true) })

        host.signal(SIGTERM)
        let unhealthy = pollValue(within: 5) { () -> HTTPClientResponse? in
            guard let answer = try? host.send("/_fnhost/health"), answer.status == 503 else { return nil }
            return answer
        }
        #expect(unhealthy?.json?["status"] == "draining", "\(String(describing: unhealthy.map { String(decoding: $0.body, as: UTF8.self) }))")
        // Within the notice the host still serves, and it has let the timer lock go.
        #expect(try host.send("/echo").status == 200)
        #expect(host.logEvents("timer_leader_released").count == 1 || poll(within: 3) { host.logEvents("timer_leader_released").count == 1 })
        #expect(poll(within: 20) { !host.process.isRunning }, "the host exits once the notice and the drain are over")
        #expect(host.process.terminationStatus == 0)
        let events = host.log().split(separator: "\n").compactMap { try? JSONValue.parse(String($0))["event"]?.stringValue }
        let draining = try #require(events.firstIndex(of: "draining"))
        let stopped = try #require(events.firstIndex(of: "stopped_taking_work"))
        #expect(draining < stopped)
    }

    @Test func aHostThatCannotReachTheSharedDatabaseSaysSoOnItsHealth() throws {
        let folder = try TemporaryFolder("ticks")
        let closedPort = try LoopbackSocket.freePort()
        let host = try HostStack(
            extraArguments: ["--cluster", "--host-name", "cut", "--no-watch"],
            environment: ["DATABASE_URL": "postgresql://fnhost@127.0.0.1:\(closedPort)/fnhost", "TICKER_DIR": folder.url.path])
        defer { host.stop() }
        let answer = try host.send("/_fnhost/health")
        #expect(answer.status == 503)
        #expect(answer.json?["status"] == "serving" && answer.json?["database"] == "unreachable")
        #expect(try host.send("/echo").status == 200, "it still serves what needs no database")
        #expect(try host.statusPage()["cluster"]?["leads_timers"] == false)
    }

    @Test func aClusterHostWithoutADatabaseIsRefused() throws {
        let run = try CommandRun(["serve", "--functions", "Tests/Fixtures/functions", "--cluster", "--port", "1"], unset: ["DATABASE_URL"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("--cluster needs DATABASE_URL"), "\(run.standardError)")
        let badName = try CommandRun(["serve", "--functions", "Tests/Fixtures/functions", "--host-name", "a b"])
        #expect(badName.status != 0 && badName.standardError.contains("--host-name a b"), "\(badName.standardError)")
    }
}
