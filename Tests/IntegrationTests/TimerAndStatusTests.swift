import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// Timer triggers and the status page, through the real stack.
@Suite(.serialized) struct TimerAndStatusTests {
    /// The fixture stack with its admin port and a folder where `ticker` records its timer events.
    static func stack() throws -> (HostStack, String, String) {
        let tickDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ticks-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: tickDirectory, withIntermediateDirectories: true)
        let stack = try HostStack(environment: ["TICKER_DIR": tickDirectory])
        return (stack, tickDirectory, "http://127.0.0.1:\(stack.adminPort ?? 0)")
    }

    static func ticks(_ directory: String) -> [JSONValue] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap {
            FileManager.default.contents(atPath: "\(directory)/\($0)").flatMap { try? JSONValue.parse(Array($0)) }
        }
    }

    @Test func timersFireOnScheduleWithThePlatformsTimerEventAndNeverPileUp() throws {
        let (stack, ticks, admin) = try Self.stack()
        defer { stack.stop() }
        func everySecond() -> [JSONValue] {
            Self.ticks(ticks).filter { $0["messages"]?.arrayValue?.first?["details"]?["trigger_id"] == "every-second" }
        }
        func timer(_ name: String) throws -> JSONValue? {
            let status = try #require(try sendRequest(admin, "/status").json)
            return status["functions"]?["ticker"]?["timers"]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }
        // Until `every-second` has fired twice and a tick of `slow` (every second, 2.5 s to run) was skipped.
        try poll(within: 15, every: 0.1) {
            try everySecond().count >= 2 && (timer("slow")?["skipped"]?.numberValue ?? 0) >= 1
        }
        let events = everySecond()
        #expect(events.count >= 2, "fired every second")
        let message = try #require(events.first?["messages"]?.arrayValue?.first)
        #expect(message["event_metadata"]?["event_type"] == "yandex.cloud.events.serverless.triggers.TimerMessage")
        #expect(message["event_metadata"]?["event_id"]?.stringValue.map(UUIDText.isValid) == true)
        #expect(message["event_metadata"]?["created_at"]?.stringValue?.hasSuffix("Z") == true)
        #expect(message["details"]?["payload"] == #"{"hello":1}"#)
        #expect(events.first?["httpMethod"] == nil, "a timer event is only its messages")

        let status = try #require(try sendRequest(admin, "/status").json)
        let timers = status["functions"]?["ticker"]?["timers"]?.arrayValue ?? []
        let slow = try #require(timers.first { $0["name"] == "slow" })
        #expect((slow["skipped"]?.numberValue ?? 0) >= 1, "ticks while the 2.5 s invocation runs are skipped: \(slow)")
        #expect((slow["fired"]?.numberValue ?? 0) >= 1)
        let everySecond = try #require(timers.first { $0["name"] == "every-second" })
        #expect((everySecond["fired"]?.numberValue ?? 0) >= 2)
        #expect(timers.first { $0["name"] == "by-hand" }?["next_fire"] == .null, "disabled")
    }

    @Test func aTimerCanBeFiredByHandThroughTheRunningHost() throws {
        let (stack, ticks, admin) = try Self.stack()
        defer { stack.stop() }
        let fired = try sendRequest(admin, "POST", "/trigger/ticker/by-hand")
        #expect(fired.status == 202, "\(String(decoding: fired.body, as: UTF8.self))")
        let requestId = try #require(fired.json?["requestId"]?.stringValue)
        let event = pollValue(within: 5) {
            Self.ticks(ticks).first { $0["messages"]?.arrayValue?.first?["event_metadata"]?["event_id"]?.stringValue == requestId }
        }
        #expect(event?["messages"]?.arrayValue?.first?["details"]?["trigger_id"] == "by-hand")
        #expect(try sendRequest(admin, "POST", "/trigger/echo").status == 404, "echo has no timer")
        #expect(try sendRequest(admin, "POST", "/trigger/nothing").status == 404)

        // The same through the command line.
        let cli = try CommandRun(["trigger", "ticker", "by-hand", "--admin-url", admin])
        #expect(cli.status == 0)
        #expect(cli.standardOutput.contains("\"fired\":true"))
    }

    @Test func theStatusPageNumbersMoveWithInvocationsThrottlesAndTimeouts() throws {
        let (stack, _, admin) = try Self.stack()
        defer { stack.stop() }
        func pool(_ name: String) throws -> JSONValue {
            try #require(try sendRequest(admin, "/status").json?["functions"]?[name])
        }
        let before = try pool("echo")
        #expect(before["pool_size"] == 2)
        for _ in 0..<3 { _ = try stack.send("/echo") }
        #expect(try pool("echo")["accepted"]?.numberValue == (before["accepted"]?.numberValue ?? 0) + 3)

        // A warm worker first: on a loaded machine a cold one may not take a request within the
        // 0.5 s queue timeout, and then all five are refused and none is slow.
        #expect(try stack.send("/sleep?ms=1").status == 200)
        let base = stack.baseURL
        let statuses = inParallel(5) { _ in (try? sendRequest(base, "/sleep?ms=800"))?.status ?? -1 }
        #expect(statuses.contains(429))
        #expect(try stack.send("/sleep?ms=3000").status == 504)
        let sleep = try pool("sleep")
        #expect((sleep["throttled"]?.numberValue ?? 0) >= 1)
        #expect(sleep["timeouts"] == 1)
        #expect((sleep["respawns"]?.numberValue ?? 0) >= 1)
        #expect((sleep["max_active"]?.numberValue ?? 0) >= 1)
        #expect((sleep["slow"]?.numberValue ?? 0) >= 1, "0.8 s invocations pass the 0.5 s threshold (half the timeout): \(statuses)")
        #expect(stack.logEvents("slow_invocation").contains { $0["function"] == "sleep" })

        let metrics = try sendRequest(admin, "/metrics")
        #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
        // Every sample names the host (the machine's name by default), so hosts can be told apart and summed.
        let hostName = try #require(try stack.statusPage()["host"]?.stringValue)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("fnhost_timeouts_total{host=\"\(hostName)\",function=\"sleep\"} 1"))

        // Only the function routes, the page and the results are public: no status on the public port.
        #expect(try stack.send("/status").status == 404)
        #expect(try stack.send("/metrics").status == 404)

        let cli = try CommandRun(["status", "--admin-url", admin])
        let table = cli.standardOutput
        #expect(cli.status == 0)
        #expect(table.contains("sleep") && table.contains("ticker / every-second"))
    }
}
