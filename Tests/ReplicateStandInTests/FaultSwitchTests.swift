import FnhostTestSupport
import Testing
@testable import ReplicateStandIn

@Suite("Fault switches")
struct FaultSwitchTests {
    @Test("create429: the next N creates are throttled with Retry-After and create nothing")
    func throttled() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"create429\": 2, \"retryAfterSeconds\": 7}")
        for _ in 0..<2 {
            let response = try standIn.create()
            #expect(response.status == 429)
            #expect(response.header("Retry-After") == "7")
            #expect(try response.json()["detail"]?.stringValue?.contains("throttled") == true)
        }
        #expect(try standIn.create().status == 201)
        let totals = try standIn.stats()["totals"]
        #expect(totals?["createsRejected"] == .number(2))
        #expect(totals?["predictions"] == .number(1))
    }

    @Test("create500 fails the next create; get500 fails the next GET only")
    func serverErrors() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"create500\": 1, \"get500\": 1}")
        #expect(try standIn.create().status == 500)
        let id = try standIn.createID()
        #expect(try standIn.get(id).status == 500)
        #expect(try standIn.get(id).status == 200)
    }

    @Test("create401 answers the next N creates as if the token were wrong, creating nothing")
    func unauthorized() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"create401\": 1}")
        let refused = try standIn.create()
        #expect(refused.status == 401)
        #expect(refused.header("WWW-Authenticate") == "Bearer")
        #expect(try standIn.create().status == 201)
        #expect(try standIn.stats()["totals"]?["predictions"] == .number(1))
    }

    @Test("hangMs holds the answer of the next hangCount calls, then answers normally")
    func hang() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"hangMs\": 300, \"hangCount\": 2}")
        var start = ContinuousClock.now
        let id = try standIn.createID()
        #expect(ContinuousClock.now - start >= .milliseconds(290))
        start = ContinuousClock.now
        #expect(try standIn.get(id).status == 200)
        #expect(ContinuousClock.now - start >= .milliseconds(290))
        start = ContinuousClock.now
        #expect(try standIn.get(id).status == 200)
        #expect(ContinuousClock.now - start < .milliseconds(250))
        #expect(try standIn.calls().first?["heldMs"] == .number(300))
    }

    @Test("a hang past the client's timeout leaves an ambiguous create that still exists")
    func hangPastClientTimeout() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"hangMs\": 1500}")
        let connection = try RawHTTPConnection(port: standIn.port, receiveTimeoutSeconds: 1)
        #expect(throws: RawHTTPConnection.Failure.self) {
            _ = try connection.request("POST", "/v1/predictions", headers: StandInHarness.auth,
                                       body: StandInHarness.createBody())
        }
        #expect(try standIn.stats()["totals"]?["predictions"] == .number(1))
    }

    @Test("failPrediction ends the next prediction failed with the CUDA error")
    func failedPrediction() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"failPrediction\": 1}")
        let failing = try standIn.createID()
        let json = try standIn.waitTerminal(failing)
        #expect(json["status"]?.stringValue == "failed")
        #expect(json["error"]?.stringValue == "CUDA out of memory (stand-in)")
        #expect(json["output"] == .null)
        #expect(json["completed_at"]?.stringValue != nil)
        #expect(try standIn.request("GET", "/files/\(failing).png", headers: []).status == 404)
        #expect(try standIn.waitTerminal(try standIn.createID())["status"]?.stringValue == "succeeded")
    }

    @Test("invalidInput answers 422 to a valid create")
    func invalidInputFault() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"invalidInput\": 1}")
        let response = try standIn.create()
        #expect(response.status == 422)
        #expect(try response.json()["detail"]?.stringValue?.contains("human_img") == true)
        #expect(try standIn.create().status == 201)
    }

    @Test("dropAfterCreate closes the connection with no bytes, yet the prediction exists and is logged")
    func dropAfterCreate() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"dropAfterCreate\": 1}")
        let connection = try standIn.connect()
        try connection.sendRaw(RawHTTPConnection.requestBytes("POST", "/v1/predictions", headers: StandInHarness.auth,
                                                           body: StandInHarness.createBody()))
        #expect(try connection.peerClosed())
        let calls = try standIn.calls()
        #expect(calls.count == 1)
        let create = try #require(calls.first)
        #expect(create["kind"]?.stringValue == "create")
        #expect(create["dropped"] == .bool(true))
        let id = try #require(create["prediction_id"]?.stringValue)
        #expect(try standIn.get(id).json["status"]?.stringValue == "succeeded")
        #expect(try standIn.create().status == 201)  // only one drop was armed
    }

    @Test("delayMs changes the phase length of later predictions; DELETE resets everything")
    func delayAndReset() throws {
        let standIn = try StandInHarness(delayMs: 0)
        try standIn.setFaults("{\"delayMs\": 5000, \"create500\": 3}")
        #expect(try standIn.request("DELETE", "/_standin/faults", headers: []).status == 200)
        #expect(try standIn.create().status == 201)
        try standIn.setFaults("{\"delayMs\": 5000}")
        let slow = try standIn.createID()
        #expect(try standIn.get(slow).json["status"]?.stringValue == "starting")
        let faults = try standIn.request("GET", "/_standin/faults", headers: []).json()
        #expect(faults["delayMs"] == .number(5000))
        #expect(faults["create500"] == .number(0))
    }

    @Test("unknown fault names and negative values are rejected with 400")
    func badFaults() throws {
        let standIn = try StandInHarness()
        #expect(try standIn.request("POST", "/_standin/faults", headers: [], body: "{\"create999\": 1}").status == 400)
        #expect(try standIn.request("POST", "/_standin/faults", headers: [], body: "{\"create429\": -1}").status == 400)
        #expect(try standIn.request("POST", "/_standin/faults", headers: [], body: "{").status == 400)
    }

    @Test("per-prediction __fault: string shorthand and object form")
    func perPredictionFaults() throws {
        let standIn = try StandInHarness()
        let failing = try standIn.createID(input: StandInHarness.input(extra: ",\"__fault\":\"failPrediction\""))
        #expect(try standIn.waitTerminal(failing)["status"]?.stringValue == "failed")

        let flaky = try standIn.createID(input: StandInHarness.input(extra: ",\"__fault\":{\"get500\":2,\"delayMs\":0}"))
        #expect(try standIn.get(flaky).status == 500)
        #expect(try standIn.get(flaky).status == 500)
        #expect(try standIn.get(flaky).json["status"]?.stringValue == "succeeded")

        let throttled = try standIn.create(input: StandInHarness.input(extra: ",\"__fault\":{\"create429\":1,\"retryAfterSeconds\":3}"))
        #expect(throttled.status == 429)
        #expect(throttled.header("Retry-After") == "3")
        #expect(try standIn.create(input: StandInHarness.input(extra: ",\"__fault\":\"nonsense\"")).status == 422)
        // Shared switches were untouched.
        #expect(try standIn.create().status == 201)
    }
}
