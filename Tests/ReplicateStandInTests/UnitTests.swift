import FunctionRuntime
import Testing
@testable import ReplicateStandIn

@Suite("JSON answers and bodies")
struct JSONTests {
    @Test("a prediction reads like Replicate's, id first, and echoes its input in the order sent")
    func predictionOrder() throws {
        // The input's keys are not in sorted order, so a writer that sorted them would fail here.
        let inputText = StandInHarness.input()
        let input = try JSONValue.parse(inputText, options: .standIn)
        let record = PredictionRecord(
            id: "p", model: "m", version: "v", input: input, tryOn: try IDMVTONInput.validate(input).get(), createdAtMs: 0,
            createdInstant: .now, phaseDelayMs: 100, failure: nil, cancelAfterMs: nil, layers: [])
        let text = record.json(.created, baseURL: "http://h").encoded(sortedKeys: false)
        #expect(text.hasPrefix(#"{"id":"p","model":"m","version":"v","status":"starting","input":"# + inputText + ","))
        #expect(text.hasSuffix(#""urls":{"get":"http://h/v1/predictions/p","cancel":"http://h/v1/predictions/p/cancel","web":"http://h/p/p"}}"#))
    }

    @Test("request bodies nest at most 64 deep and may not start with a byte order mark")
    func bodyLimits() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue.parse(deepest, options: .standIn) }
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse("[" + deepest + "]", options: .standIn) }
        #expect(error.kind == .tooDeep(limit: 64))
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8), options: .standIn) }
    }
}

@Suite("PNG, clock and timeline units")
struct UnitTests {
    @Test("CRC-32 and Adler-32 match published values")
    func checksums() {
        #expect(PNGEncoder.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test("stored zlib splits into 65,535-byte blocks and unpacks again")
    func storedBlocks() throws {
        let data = (0..<150_000).map { UInt8($0 % 251) }
        let stream = PNGEncoder.zlibStored(data)
        #expect(stream.count == 2 + 3 * 5 + data.count + 4)
        #expect(try PNGChecker.inflateStored(stream) == data)
        #expect(try PNGChecker.inflateStored(PNGEncoder.zlibStored([])) == [])
    }

    @Test("encoder rejects mismatched sizes")
    func encoderSizes() {
        #expect(PNGEncoder.encodeRGB(width: 2, height: 2, pixels: [0, 0, 0]) == nil)
        #expect(PNGEncoder.encodeRGB(width: 1, height: 1, pixels: [1, 2, 3]) != nil)
    }

    @Test("ISO-8601 and HTTP dates", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z", "Thu, 01 Jan 1970 00:00:00 GMT"),
        (Int64(1_735_732_800_123), "2025-01-01T12:00:00.123Z", "Wed, 01 Jan 2025 12:00:00 GMT"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z", "Tue, 29 Feb 2000 00:00:00 GMT"),
    ])
    func dates(milliseconds: Int64, iso: String, http: String) {
        #expect(WallClock.iso8601(milliseconds) == iso)
        #expect(WallClock.httpDate(milliseconds) == http)
    }

    @Test("Cancel-After and Prefer parsing")
    func headerParsing() {
        #expect(ReplicateStandInService.parseDuration("3m") == 180_000)
        #expect(ReplicateStandInService.parseDuration("1m30s") == 90_000)
        #expect(ReplicateStandInService.parseDuration("250ms") == 250)
        #expect(ReplicateStandInService.parseDuration("45") == 45_000)
        #expect(ReplicateStandInService.parseDuration("3 minutes") == nil)
        #expect(ReplicateStandInService.preferWaitMs("wait") == 60_000)
        #expect(ReplicateStandInService.preferWaitMs("respond-async, wait=5") == 5_000)
        #expect(ReplicateStandInService.preferWaitMs("wait=600") == 60_000)
        #expect(ReplicateStandInService.preferWaitMs(nil) == nil)
    }

    @Test("the timeline is a pure function of elapsed time")
    func timeline() throws {
        let input = try JSONValue.parse(StandInHarness.input())
        let tryOn = try IDMVTONInput.validate(input).get()
        var record = PredictionRecord(
            id: "p", model: "m", version: "v", input: input, tryOn: tryOn, createdAtMs: 0, createdInstant: .now,
            phaseDelayMs: 100, failure: nil, cancelAfterMs: nil, layers: [])
        #expect(record.snapshot(elapsedMs: 0).status == "starting")
        #expect(record.snapshot(elapsedMs: 99).status == "starting")
        #expect(record.snapshot(elapsedMs: 100) == .init(status: "processing", startedOffsetMs: 100, completedOffsetMs: nil))
        #expect(record.snapshot(elapsedMs: 200) == .init(status: "succeeded", startedOffsetMs: 100, completedOffsetMs: 200))
        record.canceledAtMs = 150
        #expect(record.snapshot(elapsedMs: 500) == .init(status: "canceled", startedOffsetMs: 100, completedOffsetMs: 150))
        let failing = PredictionRecord(
            id: "p", model: "m", version: "v", input: input, tryOn: tryOn, createdAtMs: 0, createdInstant: .now,
            phaseDelayMs: 0, failure: "boom", cancelAfterMs: nil, layers: [])
        #expect(failing.snapshot(elapsedMs: 0).status == "failed")
    }

    @Test("garment colours are stable per garment and differ between garments")
    func garmentColours() {
        let a = GarmentLayer(garmentImage: "https://x/a.jpg", category: "upper_body")
        let b = GarmentLayer(garmentImage: "https://x/b.jpg", category: "upper_body")
        #expect(a == GarmentLayer(garmentImage: "https://x/a.jpg", category: "upper_body"))
        #expect(a != b)
    }
}
