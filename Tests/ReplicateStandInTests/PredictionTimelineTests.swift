import FnhostTestSupport
import Testing
@testable import ReplicateStandIn

@Suite("Prediction timeline")
struct PredictionTimelineTests {
    @Test("create answers 201 with the full starting prediction; delay 0 succeeds on the first GET")
    func createThenSucceedAtOnce() throws {
        let standIn = try StandInHarness(delayMs: 0)
        let created = try standIn.create()
        #expect(created.status == 201)
        #expect(created.header("Content-Type") == "application/json")
        let json = try created.json()
        let id = try #require(json["id"]?.stringValue)
        #expect(json["model"]?.stringValue == "cuuupid/idm-vton")
        #expect(json["version"]?.stringValue == StandInHarness.version)
        #expect(json["status"]?.stringValue == "starting")
        #expect(json["input"]?["garm_img"]?.stringValue == "https://storage.example.com/t_01/garment-0.jpg")
        #expect(json["input"]?["seed"] == .number(42))
        #expect(json["output"] == .null)
        #expect(json["error"] == .null)
        #expect(json["logs"]?.stringValue == "")
        #expect(json["metrics"] == .object([:]))
        #expect(json["created_at"]?.stringValue?.hasSuffix("Z") == true)
        #expect(json["started_at"] == .null)
        #expect(json["completed_at"] == .null)
        let base = "http://127.0.0.1"  // the test client's Host header
        #expect(json["urls"]?["get"]?.stringValue == "\(base)/v1/predictions/\(id)")
        #expect(json["urls"]?["cancel"]?.stringValue == "\(base)/v1/predictions/\(id)/cancel")
        #expect(json["urls"]?["web"] != nil)

        let (status, got) = try standIn.get(id)
        #expect(status == 200)
        #expect(got["status"]?.stringValue == "succeeded")
        #expect(got["output"]?.stringValue == "\(base)/files/\(id).png")
        #expect(got["metrics"]?["predict_time"] == .number(0))
        #expect(got["started_at"]?.stringValue != nil)
        #expect(got["completed_at"]?.stringValue != nil)
    }

    @Test("with a delay the GETs go starting → processing → succeeded, with ordered timestamps")
    func timelineWithDelay() throws {
        let standIn = try StandInHarness(delayMs: 300)
        let id = try standIn.createID()
        #expect(try standIn.get(id).json["status"]?.stringValue == "starting")
        // Each phase lasts 300 ms; GETs every 10 ms see every one of them.
        let processing = try standIn.waitForStatus(of: id, timeoutMs: 2000) { $0 != "starting" }
        #expect(processing["status"]?.stringValue == "processing")
        #expect(processing["started_at"]?.stringValue != nil)
        #expect(processing["output"] == .null)
        let done = try standIn.waitForStatus(of: id, timeoutMs: 2000) { $0 != "processing" }
        #expect(done["status"]?.stringValue == "succeeded")
        let created = try #require(done["created_at"]?.stringValue)
        let started = try #require(done["started_at"]?.stringValue)
        let completed = try #require(done["completed_at"]?.stringValue)
        #expect(created < started && started < completed)
        #expect(done["metrics"]?["predict_time"] == .number(0.3))
    }

    @Test("the model route creates too, reporting the model from the path")
    func modelRoute() throws {
        let standIn = try StandInHarness()
        let response = try standIn.request("POST", "/v1/models/cuuupid/idm-vton/predictions",
                                           body: "{\"input\":\(StandInHarness.input())}")
        #expect(response.status == 201)
        #expect(try response.json()["model"]?.stringValue == "cuuupid/idm-vton")
        #expect(try response.json()["version"]?.stringValue == StandInHarness.version)
    }

    @Test("links follow the Host header the client used")
    func linksFollowHost() throws {
        let standIn = try StandInHarness()
        let response = try standIn.connect().request(
            "POST", "/v1/predictions", headers: StandInHarness.auth + [("Host", "replicate.local:9999")],
            body: StandInHarness.createBody())
        let url = try #require(try response.json()["urls"]?["get"]?.stringValue)
        #expect(url.hasPrefix("http://replicate.local:9999/v1/predictions/"))
    }

    @Test("the output PNG is valid: signature, IHDR 192x256 RGB, every CRC, stored zlib with Adler-32")
    func outputPNGIsValid() throws {
        let standIn = try StandInHarness()
        let id = try standIn.createID()
        #expect(try standIn.get(id).json["status"]?.stringValue == "succeeded")
        let response = try standIn.request("GET", "/files/\(id).png", headers: [])
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "image/png")
        let png = try PNGChecker(response.body)
        #expect(png.width == 192 && png.height == 256)
        #expect(png.bitDepth == 8 && png.colorType == 2)
        #expect(png.chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(png.chunks.filter { !$0.crcMatches }.map(\.type) == [])
        #expect(png.raw.count == 256 * (192 * 3 + 1))
        // The garment colour covers the torso and differs from the background corner.
        #expect(png.pixel(96, 100) != png.pixel(180, 120))
    }

    @Test("the file route is 404 before success and for unknown ids")
    func fileNotReadyYet() throws {
        let standIn = try StandInHarness(delayMs: 5000)
        let id = try standIn.createID()
        #expect(try standIn.request("GET", "/files/\(id).png", headers: []).status == 404)
        #expect(try standIn.request("GET", "/files/nothing.png", headers: []).status == 404)
    }

    @Test("a chained step draws the earlier garment too and more step stripes")
    func chainedStep() throws {
        let standIn = try StandInHarness()
        let first = try standIn.createID(input: StandInHarness.input(category: "lower_body"))
        let output = try #require(try standIn.waitTerminal(first)["output"]?.stringValue)
        let second = try standIn.createID(input: StandInHarness.input(human: output, garment: "https://x/shirt.png"))
        #expect(try standIn.waitTerminal(second)["status"]?.stringValue == "succeeded")
        let one = try PNGChecker(try standIn.request("GET", "/files/\(first).png", headers: []).body)
        let two = try PNGChecker(try standIn.request("GET", "/files/\(second).png", headers: []).body)
        #expect(one.pixel(80, 200) == two.pixel(80, 200))  // trousers of step 1 still on
        #expect(one.pixel(10, 13) != two.pixel(10, 13))     // a second stripe appears at step 2
    }

    @Test("outputs are written into the files directory")
    func filesDirectory() throws {
        let folder = "/tmp/standin-test-files-\(ContinuousClock.now.hashValue & 0xFFFFFF)"
        let standIn = try StandInHarness(filesDirectory: folder)
        let id = try standIn.createID()
        #expect(try standIn.get(id).json["status"]?.stringValue == "succeeded")
        let onDisk = try #require(FilesDirectory(path: folder).read(name: "\(id).png"))
        #expect(onDisk == (try standIn.request("GET", "/files/\(id).png", headers: []).body))
    }

    @Test("cancel makes a running prediction canceled and leaves a finished one alone")
    func cancel() throws {
        let standIn = try StandInHarness(delayMs: 5000)
        let id = try standIn.createID()
        let canceled = try standIn.request("POST", "/v1/predictions/\(id)/cancel")
        #expect(canceled.status == 200)
        #expect(try canceled.json()["status"]?.stringValue == "canceled")
        #expect(try standIn.get(id).json["status"]?.stringValue == "canceled")
        #expect(try standIn.get(id).json["completed_at"]?.stringValue != nil)
        #expect(try standIn.request("POST", "/v1/predictions/nope/cancel").status == 404)

        try standIn.setFaults("{\"delayMs\": 0}")
        let done = try standIn.createID()
        #expect(try standIn.get(done).json["status"]?.stringValue == "succeeded")
        let late = try standIn.request("POST", "/v1/predictions/\(done)/cancel")
        #expect(try late.json()["status"]?.stringValue == "succeeded")
    }

    @Test("Cancel-After aborts a prediction that has not started")
    func cancelAfter() throws {
        let standIn = try StandInHarness(delayMs: 2000)
        let response = try standIn.request("POST", "/v1/predictions", headers: StandInHarness.auth + [("Cancel-After", "100ms")],
                                           body: StandInHarness.createBody())
        let id = try #require(try response.json()["id"]?.stringValue)
        // Aborted 100 ms after its create, long before it would start (2 s).
        let aborted = try standIn.waitForStatus(of: id, timeoutMs: 1500) { $0 != "starting" }
        #expect(aborted["status"]?.stringValue == "aborted")
        let bad = try standIn.request("POST", "/v1/predictions", headers: StandInHarness.auth + [("Cancel-After", "soon")],
                                      body: StandInHarness.createBody())
        #expect(bad.status == 400)
    }

    @Test("Prefer: wait holds the create until the prediction is done")
    func preferWait() throws {
        let standIn = try StandInHarness(delayMs: 100)
        let start = ContinuousClock.now
        let response = try standIn.request("POST", "/v1/predictions", headers: StandInHarness.auth + [("Prefer", "wait=5")],
                                           body: StandInHarness.createBody())
        #expect(ContinuousClock.now - start >= .milliseconds(190))
        #expect(response.status == 201)
        #expect(try response.json()["status"]?.stringValue == "succeeded")
    }

    @Test("GET /v1/predictions lists newest first; unknown id is a 404 problem")
    func listAndUnknown() throws {
        let standIn = try StandInHarness()
        let a = try standIn.createID()
        let b = try standIn.createID()
        let list = try standIn.request("GET", "/v1/predictions").json()
        #expect(list["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [b, a])
        let (status, problem) = try standIn.get("does-not-exist")
        #expect(status == 404)
        #expect(problem["status"] == .number(404))
        #expect(problem["title"]?.stringValue == "Not Found")
    }
}
