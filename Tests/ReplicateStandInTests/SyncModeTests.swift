import FnhostTestSupport
import FunctionRuntime
import Testing
@testable import ReplicateStandIn
import Hashing

/// `Prefer: wait` (sync mode), the way the official 1.x Python client uses it.
@Suite("Sync mode")
struct SyncModeTests {
    static let dataPrefix = "data:image/png;base64,"

    /// POST /v1/predictions with a `Prefer` header.
    static func syncCreate(_ standIn: StandInHarness, prefer: String) throws -> RawHTTPResponse {
        try standIn.request("POST", "/v1/predictions", headers: StandInHarness.auth + [("Prefer", prefer)],
                            body: StandInHarness.createBody())
    }

    @Test("a prediction done within the wait comes back succeeded with its PNG inline, here and on later reads")
    func doneInTime() throws {
        let standIn = try StandInHarness(delayMs: 100)
        let response = try Self.syncCreate(standIn, prefer: "wait=5")
        #expect(response.status == 201)
        let json = try response.json()
        let id = try #require(json["id"]?.stringValue)
        #expect(json["status"]?.stringValue == "succeeded")
        let file = try standIn.request("GET", "/files/\(id).png", headers: [])
        #expect(file.status == 200)
        _ = try PNGChecker(file.body)
        #expect(json["output"]?.stringValue == Self.dataPrefix + StandardBase64.encode(file.body))
        #expect(try standIn.get(id).json["output"] == json["output"])
        let listed = try standIn.request("GET", "/v1/predictions").json()["results"]?.arrayValue?.first
        #expect(listed?["output"] == json["output"])
        let create = try #require(try standIn.calls().first)
        #expect(create["prefer"]?.stringValue == "wait=5")
        #expect((create["heldMs"]?.intValue ?? 0) >= 150)
    }

    @Test("a prediction still running when the wait ends comes back as created, starting, without output")
    func waitRunsOut() throws {
        let standIn = try StandInHarness(delayMs: 1500)
        let start = ContinuousClock.now
        let response = try Self.syncCreate(standIn, prefer: "wait=1")
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(950) && elapsed < .milliseconds(2500))
        let json = try response.json()
        #expect(response.status == 201)
        #expect(json["status"]?.stringValue == "starting")
        #expect(json["output"] == .null)
        #expect(json["started_at"] == .null)
        let id = try #require(json["id"]?.stringValue)
        let done = try standIn.waitTerminal(id, timeoutMs: 5000)
        #expect(done["status"]?.stringValue == "succeeded")
        #expect(done["output"]?.stringValue?.hasPrefix(Self.dataPrefix) == true)
        let held = try standIn.calls().first?["heldMs"]?.intValue ?? 0
        #expect(held >= 950 && held < 2500)
    }

    @Test("with no phase delay the sync answer is already succeeded")
    func instant() throws {
        let standIn = try StandInHarness(delayMs: 0)
        let json = try Self.syncCreate(standIn, prefer: "wait").json()
        #expect(json["status"]?.stringValue == "succeeded")
        #expect(json["output"]?.stringValue?.hasPrefix(Self.dataPrefix) == true)
    }

    @Test("a failed prediction is returned failed, with its error")
    func failed() throws {
        let standIn = try StandInHarness(delayMs: 50)
        try standIn.setFaults(#"{"failPrediction": 1}"#)
        let json = try Self.syncCreate(standIn, prefer: "wait=5").json()
        #expect(json["status"]?.stringValue == "failed")
        #expect(json["error"]?.stringValue == PredictionRecord.failureMessage)
        #expect(json["output"] == .null)
    }

    @Test("without Prefer: wait the output stays a file URL")
    func asyncKeepsURL() throws {
        let standIn = try StandInHarness(delayMs: 0)
        let created = try Self.syncCreate(standIn, prefer: "respond-async")
        #expect(try created.json()["status"]?.stringValue == "starting")
        let id = try #require(try created.json()["id"]?.stringValue)
        #expect(try standIn.waitTerminal(id)["output"]?.stringValue == "http://127.0.0.1/files/\(id).png")
    }

    @Test("a wait that is not a number of seconds is a 400 naming Prefer, and nothing is created",
          arguments: ["wait=soon", "wait=", "respond-async, wait=1.5"])
    func malformed(prefer: String) throws {
        let standIn = try StandInHarness()
        let response = try Self.syncCreate(standIn, prefer: prefer)
        #expect(response.status == 400)
        #expect(try response.json()["detail"]?.stringValue?.contains("Prefer") == true)
        #expect(try standIn.stats()["totals"]?["predictions"] == .number(0))
    }

    @Test("a list is logged as a list call")
    func listLogged() throws {
        let standIn = try StandInHarness()
        _ = try standIn.request("GET", "/v1/predictions")
        _ = try standIn.request("GET", "/v1/predictions", headers: [])
        let calls = try standIn.calls()
        #expect(calls.compactMap { $0["kind"]?.stringValue } == ["list", "list"])
        #expect(calls.compactMap { $0["status"]?.intValue } == [200, 401])
    }
}
