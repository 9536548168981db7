import Testing

@testable import FastCGI

/// A deterministic pseudo-random generator (SplitMix64), so a failing fuzz case reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One FastCGI record header, written by hand.
func recordHeader(type: UInt8, requestId: UInt16, contentLength: Int, paddingLength: UInt8 = 0) -> [UInt8] {
    [1, type, UInt8(requestId >> 8), UInt8(requestId & 0xff), UInt8(contentLength >> 8), UInt8(contentLength & 0xff),
     paddingLength, 0]
}

/// A name-value length: 1 byte below 128, else 4 bytes with the high bit set.
func nameValueLength(_ length: Int, forceLong: Bool = false) -> [UInt8] {
    if length < 128 && !forceLong { return [UInt8(length)] }
    return [UInt8((length >> 24) & 0x7f) | 0x80, UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
}

func nameValuePair(_ name: String, _ value: String, forceLong: Bool = false) -> [UInt8] {
    nameValueLength(name.utf8.count, forceLong: forceLong) + nameValueLength(value.utf8.count, forceLong: forceLong)
        + Array(name.utf8) + Array(value.utf8)
}

func beginRequest(requestId: UInt16, keepConnection: Bool, role: UInt16 = 1) -> [UInt8] {
    recordHeader(type: 1, requestId: requestId, contentLength: 8)
        + [UInt8(role >> 8), UInt8(role & 0xff), keepConnection ? 1 : 0, 0, 0, 0, 0, 0]
}

func paramsRecord(requestId: UInt16, _ content: [UInt8], padding: UInt8 = 0) -> [UInt8] {
    recordHeader(type: 4, requestId: requestId, contentLength: content.count, paddingLength: padding) + content
        + Array(repeating: 0xEE, count: Int(padding))
}

/// A parsed record: header plus its content.
struct ParsedRecord {
    var header: FastCGIRecord.Header
    var content: [UInt8]
}

/// Splits a byte stream into records; fails the test on trailing garbage.
func splitRecords(_ bytes: [UInt8]) -> [ParsedRecord] {
    var records: [ParsedRecord] = []
    var offset = 0
    while offset < bytes.count {
        guard let header = FastCGIRecord.Header.parse(bytes, at: offset) else {
            Issue.record("no record header at \(offset)")
            return records
        }
        let start = offset + 8
        guard start + header.contentLength + header.paddingLength <= bytes.count else {
            Issue.record("record at \(offset) runs past the end")
            return records
        }
        records.append(ParsedRecord(header: header, content: Array(bytes[start..<(start + header.contentLength)])))
        offset = start + header.contentLength + header.paddingLength
    }
    return records
}

@Suite struct FastCGIRecordResponseTests {
    @Test func smallResponseHasTheExactByteLayout() {
        let bytes = FastCGIRecord.response(
            requestId: 0x0102, status: 200, reason: "OK", headers: [("Content-Type", "text/plain")],
            body: Array("hi".utf8))
        let payload = Array("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhi".utf8)
        #expect(payload.count == 46)
        let expected: [UInt8] =
            [1, 6, 0x01, 0x02, 0, 46, 0, 0] + payload
            + [1, 6, 0x01, 0x02, 0, 0, 0, 0]
            + [1, 3, 0x01, 0x02, 0, 8, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(bytes == expected)
    }

    @Test func headersKeepTheirOrderAndRepeats() {
        let bytes = FastCGIRecord.response(
            requestId: 1, status: 429, reason: "Too Many Requests",
            headers: [("Set-Cookie", "a=1"), ("X-A", "x"), ("Set-Cookie", "b=2")], body: [])
        let records = splitRecords(bytes)
        #expect(records.count == 3)
        #expect(
            String(decoding: records[0].content, as: UTF8.self)
                == "Status: 429 Too Many Requests\r\nSet-Cookie: a=1\r\nX-A: x\r\nSet-Cookie: b=2\r\n\r\n")
    }

    @Test(arguments: [UInt16(0), 1, 255, 256, 0xABCD, 0xFFFF])
    func requestIdIsBigEndianInEveryRecord(requestId: UInt16) {
        let records = splitRecords(
            FastCGIRecord.response(requestId: requestId, status: 504, reason: "Gateway Timeout", headers: [], body: [1]))
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0.header.requestId == requestId })
        #expect(records.map(\.header.kind) == [6, 6, 3])
        #expect(records[2].content == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test(arguments: [0, 1, 65_535 - 40, 65_535 - 19, 65_535 - 18, 65_535, 65_536, 2 * 65_535 + 10, 300_000])
    func largeBodiesAreSplitIntoRecordsOfAtMost65535Bytes(bodySize: Int) {
        var generator = SplitMix64(state: UInt64(bodySize))
        let body = (0..<bodySize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let bytes = FastCGIRecord.response(requestId: 7, status: 200, reason: "OK", headers: [], body: body)
        let head = Array("Status: 200 OK\r\n\r\n".utf8)
        let payload = head + body
        let records = splitRecords(bytes)
        let stdout = records.dropLast(2)
        #expect(stdout.allSatisfy { $0.header.kind == 6 && $0.header.contentLength > 0 })
        #expect(stdout.allSatisfy { $0.header.contentLength <= 65_535 && $0.header.paddingLength == 0 })
        #expect(stdout.dropLast().allSatisfy { $0.header.contentLength == 65_535 })
        #expect(stdout.count == (payload.count + 65_534) / 65_535)
        #expect(Array(stdout.map(\.content).joined()) == payload)
        #expect(records[records.count - 2].header.kind == 6)
        #expect(records[records.count - 2].header.contentLength == 0)
        #expect(records[records.count - 1].header.kind == 3)
        #expect(records[records.count - 1].header.contentLength == 8)
        #expect(bytes.count == payload.count + 8 * stdout.count + 8 + 16)
    }

    @Test func headerParseReadsFieldsAndRefusesShortOrForeignInput() {
        let bytes: [UInt8] = [9, 9, 1, 5, 0x12, 0x34, 0x56, 0x78, 0x9A, 0, 0]
        #expect(
            FastCGIRecord.Header.parse(bytes, at: 2)
                == FastCGIRecord.Header(kind: 5, requestId: 0x1234, contentLength: 0x5678, paddingLength: 0x9A))
        #expect(FastCGIRecord.Header.parse(bytes, at: 0) == nil)  // version 9
        #expect(FastCGIRecord.Header.parse(bytes, at: 4) == nil)  // fewer than 8 bytes left
        #expect(FastCGIRecord.Header.parse(bytes, at: -1) == nil)
        #expect(FastCGIRecord.Header.parse(bytes, at: 100) == nil)
        #expect(FastCGIRecord.Header.parse([], at: 0) == nil)
    }

    @Test func recordKindsHaveTheSpecValues() {
        #expect(FastCGIRecord.Kind.beginRequest.rawValue == 1)
        #expect(FastCGIRecord.Kind.abortRequest.rawValue == 2)
        #expect(FastCGIRecord.Kind.endRequest.rawValue == 3)
        #expect(FastCGIRecord.Kind.params.rawValue == 4)
        #expect(FastCGIRecord.Kind.stdin.rawValue == 5)
        #expect(FastCGIRecord.Kind.stdout.rawValue == 6)
        #expect(FastCGIRecord.Kind.stderr.rawValue == 7)
        #expect(FastCGIRecord.Kind.unknownType.rawValue == 11)
    }
}

@Suite struct FastCGIRequestPreviewTests {
    static let longValue = String(repeating: "v", count: 300)
    static let longName = "HTTP_" + String(repeating: "N", count: 200)

    /// BEGIN_REQUEST, params in two records (one pair split across them, short and long lengths),
    /// the empty PARAMS, then STDIN.
    static func stream(requestId: UInt16 = 0x0203, keepConnection: Bool = true) -> [UInt8] {
        let pairs =
            nameValuePair("SCRIPT_NAME", "/abc") + nameValuePair("REQUEST_METHOD", "POST")
            + nameValuePair("QUERY_STRING", "") + nameValuePair("LONG_VALUE", longValue)
            + nameValuePair(longName, "x") + nameValuePair("FORCED", "four-byte", forceLong: true)
            + nameValuePair("HTTP_X_USER_ID", "42")
        let cut = 20  // inside REQUEST_METHOD
        return beginRequest(requestId: requestId, keepConnection: keepConnection)
            + paramsRecord(requestId: requestId, Array(pairs[..<cut]), padding: 3)
            + paramsRecord(requestId: requestId, Array(pairs[cut...]))
            + paramsRecord(requestId: requestId, [])
            + recordHeader(type: 5, requestId: requestId, contentLength: 2) + [0x7B, 0x7D]
    }

    static let expectedParameters: [String: String] = [
        "SCRIPT_NAME": "/abc", "REQUEST_METHOD": "POST", "QUERY_STRING": "", "LONG_VALUE": longValue,
        longName: "x", "FORCED": "four-byte", "HTTP_X_USER_ID": "42",
    ]

    @Test func scanReadsIdKeepConnectionAndParameters() throws {
        let preview = try #require(FastCGIRequestPreview.scan(Self.stream()))
        #expect(preview.requestId == 0x0203)
        #expect(preview.keepConnection)
        #expect(preview.parameters == Self.expectedParameters)
    }

    @Test func keepConnectionOffIsRead() throws {
        let preview = try #require(FastCGIRequestPreview.scan(Self.stream(requestId: 1, keepConnection: false)))
        #expect(preview.requestId == 1)
        #expect(!preview.keepConnection)
        #expect(preview.parameters == Self.expectedParameters)
    }

    @Test func beginRequestAloneHasNoParameters() throws {
        let preview = try #require(FastCGIRequestPreview.scan(beginRequest(requestId: 9, keepConnection: true)))
        #expect(preview == FastCGIRequestPreview(requestId: 9, keepConnection: true, parameters: [:]))
    }

    @Test func everyTruncationIsSafeAndReturnsOnlyCompleteCorrectPairs() {
        let full = Self.stream()
        for length in 0...full.count {
            let preview = FastCGIRequestPreview.scan(Array(full[..<length]))
            if length < 16 {
                #expect(preview == nil, "prefix \(length)")
                continue
            }
            guard let preview else {
                Issue.record("nil for prefix \(length)")
                continue
            }
            #expect(preview.requestId == 0x0203)
            #expect(preview.keepConnection)
            for (name, value) in preview.parameters {
                #expect(Self.expectedParameters[name] == value, "prefix \(length): \(name)")
            }
        }
    }

    @Test func streamsThatDoNotStartWithBeginRequestGiveNil() {
        let params = paramsRecord(requestId: 1, nameValuePair("A", "B"))
        #expect(FastCGIRequestPreview.scan(params + beginRequest(requestId: 1, keepConnection: false)) == nil)
        var wrongVersion = beginRequest(requestId: 1, keepConnection: false)
        wrongVersion[0] = 2
        #expect(FastCGIRequestPreview.scan(wrongVersion) == nil)
        let shortBegin = recordHeader(type: 1, requestId: 1, contentLength: 4) + [0, 1, 1, 0, 0, 0, 0, 0]
        #expect(FastCGIRequestPreview.scan(shortBegin) == nil)
        #expect(FastCGIRequestPreview.scan([]) == nil)
    }

    @Test func paramsAfterANonParamsRecordAreIgnored() throws {
        let bytes =
            beginRequest(requestId: 1, keepConnection: false)
            + recordHeader(type: 5, requestId: 1, contentLength: 0)
            + paramsRecord(requestId: 1, nameValuePair("A", "B"))
        let preview = try #require(FastCGIRequestPreview.scan(bytes))
        #expect(preview.parameters.isEmpty)
    }

    @Test func hugeDeclaredLengthsStopWithoutTrapping() throws {
        let hostile: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 65, 66]
        #expect(FastCGIRequestPreview.decodeNameValuePairs(hostile).isEmpty)
        let bytes = beginRequest(requestId: 1, keepConnection: true) + paramsRecord(requestId: 1, hostile)
        let preview = try #require(FastCGIRequestPreview.scan(bytes))
        #expect(preview.parameters.isEmpty)
        // A complete pair followed by a hostile one keeps the first.
        #expect(FastCGIRequestPreview.decodeNameValuePairs(nameValuePair("A", "1") + hostile) == ["A": "1"])
        // A declared content length longer than the bytes given.
        let lying = beginRequest(requestId: 1, keepConnection: true) + recordHeader(type: 4, requestId: 1, contentLength: 60_000)
            + nameValuePair("A", "1")
        #expect(FastCGIRequestPreview.scan(lying)?.parameters == [:])
    }

    @Test func nameValuePairsDecodeShortAndLongLengths() {
        let bytes = nameValuePair("A", "") + nameValuePair("B", "2", forceLong: true) + nameValuePair("", "empty")
        #expect(FastCGIRequestPreview.decodeNameValuePairs(bytes) == ["A": "", "B": "2", "": "empty"])
        #expect(FastCGIRequestPreview.decodeNameValuePairs([]) == [:])
        #expect(FastCGIRequestPreview.decodeNameValuePairs([1]) == [:])
        #expect(FastCGIRequestPreview.decodeNameValuePairs([1, 1, 65]) == [:])
    }

    @Test(arguments: 0..<8)
    func randomBytesNeverTrap(seed: Int) {
        var generator = SplitMix64(state: UInt64(seed) &* 0x1234_5678_9ABC_DEF1)
        for _ in 0..<1500 {
            let count = Int.random(in: 0...400, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Half the cases start with a valid BEGIN_REQUEST so the scan goes deeper.
            if Bool.random(using: &generator) {
                bytes = beginRequest(requestId: 1, keepConnection: true) + bytes
                if Bool.random(using: &generator) { bytes = bytes + paramsRecord(requestId: 1, Array(bytes.prefix(40))) }
                if bytes.count >= 24, Bool.random(using: &generator) {
                    // Make the next record a PARAMS record with a random length.
                    bytes[16] = 1
                    bytes[17] = 4
                }
            }
            let preview = FastCGIRequestPreview.scan(bytes)
            if bytes.count < 16 { #expect(preview == nil) }
            _ = FastCGIRequestPreview.decodeNameValuePairs(bytes)
        }
    }

    @Test(arguments: 0..<4)
    func mutatedValidStreamsNeverTrap(seed: Int) {
        var generator = SplitMix64(state: UInt64(seed) &+ 99)
        let valid = Self.stream()
        for _ in 0..<1500 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
            let preview = FastCGIRequestPreview.scan(bytes)
            if bytes.count < 16 { #expect(preview == nil) }
        }
    }
}

/// The client side the master uses for timer invocations.
@Suite struct FastCGIClientTests {
    @Test func aRequestScansBackToItsParameters() throws {
        let body = Array(#"{"messages":[]}"#.utf8)
        let longValue = String(repeating: "v", count: 300)
        let bytes = FastCGIRecord.request(requestId: 7, parameters: [("REQUEST_METHOD", "TIMER"), ("LONG", longValue)], body: body)
        let preview = try #require(FastCGIRequestPreview.scan(bytes))
        #expect(preview.requestId == 7 && !preview.keepConnection)
        #expect(preview.parameters == ["REQUEST_METHOD": "TIMER", "LONG": longValue])
        // The stream ends with an empty STDIN record after the body.
        #expect(Array(bytes.suffix(8)) == [1, 5, 0, 7, 0, 0, 0, 0])
        #expect(Array(bytes.suffix(8 + body.count + 8).prefix(8)) == [1, 5, 0, 7, 0, UInt8(body.count), 0, 0])
    }

    @Test func aResponseIsReadOnlyOnceItEnded() throws {
        let full = FastCGIRecord.response(requestId: 1, status: 504, reason: "Gateway Timeout", headers: [("A", "b")], body: Array("late".utf8))
        #expect(FastCGIRecord.parseResponse(Array(full.dropLast(16))) == nil)
        let parsed = try #require(FastCGIRecord.parseResponse(full))
        #expect(parsed.status == 504 && parsed.body == Array("late".utf8))
        let noStatus = FastCGIRecord.response(requestId: 1, status: 200, reason: "OK", headers: [], body: [])
        #expect(FastCGIRecord.parseResponse(noStatus)?.status == 200)
    }

    @Test func onlyTheFirstAnswerOnAConnectionIsRead() throws {
        let first = FastCGIRecord.response(requestId: 1, status: 400, reason: "Bad Request", headers: [], body: Array("one".utf8))
        let second = FastCGIRecord.response(requestId: 1, status: 200, reason: "OK", headers: [], body: Array("two".utf8))
        let parsed = try #require(FastCGIRecord.parseResponse(first + second))
        #expect(parsed.status == 400 && parsed.body == Array("one".utf8))
    }

    @Test func aKeptAliveRequestSaysSo() throws {
        let bytes = FastCGIRecord.request(requestId: 1, parameters: [("A", "b")], body: [], keepConnection: true)
        let preview = try #require(FastCGIRequestPreview.scan(bytes))
        #expect(preview.keepConnection)
    }
}
