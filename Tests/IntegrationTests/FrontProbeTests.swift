import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// `fnhost front`'s active health check against stand-in hosts whose `/_fnhost/health` a test
/// switches between 200 and 503: the front marks a draining host `down` and reloads nginx (its log
/// says so), traffic stops going there, and comes back once the host is healthy again.
@Suite(.serialized) struct FrontProbeTests {
    /// Probes every 0.2 s, so a change shows within a second or two.
    static let interval = 0.2
    /// A stand-in answers its health at once; a longer probe timeout than the default second keeps a
    /// loaded test machine from taking a healthy one out.
    static let patientProbes = ["--probe-timeout", "3"]

    /// Which host answered each of `count` GETs, each on a new connection to the front.
    static func answerers(_ front: FrontStack, count: Int) throws -> [String] {
        try (0..<count).map { _ in
            let response = try front.send("GET", "/echo?id=\(UUID().uuidString.prefix(8))")
            return response.json?["host"]?.stringValue ?? "status \(response.status)"
        }
    }

    @Test func aHostAnswering503OnItsHealthIsTakenOutAndComesBackWhenHealthy() throws {
        let a = try StubClusterHost(name: "a")
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        let front = try FrontStack(upstream: [a.address, b.address], probeInterval: Self.interval, extraArguments: Self.patientProbes)
        defer { front.stop() }
        #expect(poll(within: 10) { a.healthProbes >= 2 && b.healthProbes >= 2 }, "the hosts were not probed")
        #expect(Set(try Self.answerers(front, count: 6)) == ["a", "b"], "both hosts serve while healthy")

        let workersBefore = front.nginxWorkers()
        #expect(!workersBefore.isEmpty)
        a.setHealth(503)
        let down = pollValue(within: 10) { front.logEvents("host_down").first { $0["host"] == .string(a.address) } }
        #expect(down?["reason"] == "draining", "no host_down line for \(a.address):\n\(front.log())")
        #expect(front.configuration.contains("server \(a.address) max_fails=3 fail_timeout=10s down;"))
        #expect(!front.configuration.contains("server \(b.address) max_fails=3 fail_timeout=10s down;"))
        // The reload is over once nginx's workers are all new ones: from then on a gets nothing.
        let reloaded = poll(within: 10) {
            let now = front.nginxWorkers()
            return !now.isEmpty && now.isDisjoint(with: workersBefore)
        }
        #expect(reloaded, "nginx did not reload:\n\(front.log())")
        let seenByA = a.received.count
        #expect(try Self.answerers(front, count: 10).allSatisfy { $0 == "b" })
        #expect(a.received.count == seenByA, "a host marked down got requests")

        let workersWhileDown = front.nginxWorkers()
        a.setHealth(200)
        let up = pollValue(within: 10) { front.logEvents("host_up").first { $0["host"] == .string(a.address) } }
        #expect(up != nil, "no host_up line for \(a.address):\n\(front.log())")
        #expect(!front.configuration.contains(" down;"))
        #expect(poll(within: 10) { front.nginxWorkers().isDisjoint(with: workersWhileDown) && !front.nginxWorkers().isEmpty })
        #expect(Set(try Self.answerers(front, count: 4)) == ["a", "b"], "a got no traffic back")
        #expect(front.stop(), "SIGTERM did not end the front with status 0")
    }

    @Test func whenEveryHostFailsItsProbesNoneIsMarkedDown() throws {
        let a = try StubClusterHost(name: "a")
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        let front = try FrontStack(upstream: [a.address, b.address], probeInterval: Self.interval, extraArguments: Self.patientProbes)
        defer { front.stop() }
        b.setHealth(503)
        #expect(poll(within: 10) { front.configuration.contains("server \(b.address) max_fails=3 fail_timeout=10s down;") })
        a.setHealth(503)
        #expect(poll(within: 10) { !front.logEvents("all_hosts_down").isEmpty }, "\(front.log())")
        #expect(front.logEvents("host_down").count == 2)
        #expect(poll(within: 10) { !front.configuration.contains(" down;") }, "every host marked down:\n\(front.configuration)")
        // Both still answer their requests (draining hosts serve for a while): nginx sends to both.
        #expect(poll(within: 10) { Set((try? Self.answerers(front, count: 6)) ?? []) == ["a", "b"] })
    }

    @Test func aHostThatStopsAnsweringIsTakenOut() throws {
        let a = try StubClusterHost(name: "a")
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        let front = try FrontStack(upstream: [a.address, b.address], probeInterval: Self.interval, extraArguments: Self.patientProbes)
        defer { front.stop() }
        a.stop()
        let down = pollValue(within: 10) { front.logEvents("host_down").first { $0["host"] == .string(a.address) } }
        #expect(down?["reason"]?.stringValue?.isEmpty == false, "\(front.log())")
        #expect(down?["reason"] != "draining")
        #expect(poll(within: 10) { front.configuration.contains("server \(a.address) max_fails=3 fail_timeout=10s down;") })
    }

    /// A host whose health never answers: its probe times out (rounds then take longer than the
    /// interval, back to back), it is taken out, and a stop signal still ends the front promptly.
    @Test func aHostWhoseHealthHangsIsTakenOutAndTheFrontStillStops() throws {
        let hung = try HangingListener()
        let b = try StubClusterHost(name: "b")
        defer { hung.stop(); b.stop() }
        let front = try FrontStack(upstream: ["127.0.0.1:\(hung.port)", b.address], probeInterval: 0.05, extraArguments: ["--probe-timeout", "0.5"])
        defer { front.stop() }
        let down = pollValue(within: 10) { front.logEvents("host_down").first { $0["host"] == .string("127.0.0.1:\(hung.port)") } }
        #expect(down?["reason"]?.stringValue?.lowercased().contains("time") == true, "\(front.log())")
        front.signal(SIGINT)
        #expect(poll(within: 5) { !front.process.isRunning }, "the front did not stop within 5 s of SIGINT")
        #expect(front.logEvents("front_stopped").count == 1, "\(front.log())")
    }

    @Test func sigtermStopsNginxAndTheFrontExitsZero() throws {
        let b = try StubClusterHost(name: "b")
        defer { b.stop() }
        let front = try FrontStack(upstream: [b.address], probeInterval: Self.interval, extraArguments: Self.patientProbes)
        #expect(try front.send("GET", "/echo").status == 200)
        front.signal(SIGTERM)
        #expect(poll(within: 15) { !front.process.isRunning })
        #expect(!LoopbackSocket.accepts(port: front.port), "nginx still listens after the front stopped")
        #expect(front.logEvents("front_stopped").count == 1, "\(front.log())")
        #expect(front.stop())
    }

    /// nginx that cannot start (its port taken) ends the front with status 1 and nginx's reason.
    @Test func aFrontWhoseNginxCannotListenExitsWithNginxsReason() throws {
        let (taken, port) = try LoopbackSocket.listen()
        defer { close(taken) }
        let runDirectory = try TemporaryFolder("front-taken")
        let run = try CommandRun(
            ["front", "--upstream", "127.0.0.1:1", "--port", String(port), "--run-dir", runDirectory.path, "--probe-interval", "0"],
            environment: [:])
        #expect(!run.succeeded && !run.timedOut && run.status == 1, "\(run.output)")
        #expect(run.standardError.contains("Address already in use"), "\(run.output)")
        #expect(run.standardError.contains(#""event":"nginx_exited""#), "\(run.output)")
    }
}
