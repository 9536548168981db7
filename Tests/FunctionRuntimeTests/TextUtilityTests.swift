import Foundation
import Testing

@testable import FunctionRuntime
import Hashing

/// QueryString, HeaderName, RequestTime, UUIDText, JSONValue and the small helpers.
@Suite struct TextUtilityTests {
    // MARK: QueryString

    @Test(arguments: [
        ("", ""), ("abcXYZ019-._~", "abcXYZ019-._~"), ("a b", "a%20b"), ("a+b", "a%2Bb"), ("a&b=c", "a%26b%3Dc"),
        ("/?#%", "%2F%3F%23%25"), ("é", "%C3%A9"), ("€", "%E2%82%AC"), ("\n", "%0A"),
    ])
    func encodeEscapesAllButUnreserved(text: String, encoded: String) {
        #expect(QueryString.encode(text) == encoded)
    }

    @Test(arguments: [
        ("%41", "A"), ("%e2%82%ac", "€"), ("%E2%82%AC", "€"), ("a+b", "a b"), ("%2B", "+"), ("%zz", "%zz"),
        ("%4", "%4"), ("%", "%"), ("100%", "100%"), ("%%41", "%A"), ("%FF", "\u{FFFD}"), ("plain", "plain"),
        ("%20%20", "  "), ("a%2", "a%2"), ("%4g", "%4g"),
    ])
    func decodeHandlesEscapesAndPlus(raw: String, decoded: String) {
        #expect(QueryString.decode(Array(raw.utf8)) == decoded)
    }

    @Test(arguments: ["hello world", "a+b=c&d", "Привет, мир!", "100% ~ok~", "", "\u{0}\t"])
    func encodeThenDecodeRoundTrips(text: String) {
        #expect(QueryString.decode(Array(QueryString.encode(text).utf8)) == text)
    }

    @Test func parseKeepsOrderAndRepeats() {
        let parsed = QueryString.parse("b=2&a=1&b=3&flag&=v&x=")
        #expect(parsed.map { [$0.name, $0.value] } == [["b", "2"], ["a", "1"], ["b", "3"], ["flag", ""], ["", "v"], ["x", ""]])
        #expect(QueryString.parse("").isEmpty)
        #expect(QueryString.parse("&&&").isEmpty)
    }

    // MARK: HeaderName

    @Test(arguments: [
        ("x-user-id", "X-User-Id"), ("X-USER-ID", "X-User-Id"), ("content-md5", "Content-Md5"), ("-x", "-X"),
        ("x--y", "X--Y"), ("", ""), ("x_user", "X_user"), ("1a-b", "1a-B"), ("WWW-AUTHENTICATE", "Www-Authenticate"),
    ])
    func canonicalCasing(name: String, canonical: String) {
        #expect(HeaderName.canonical(name) == canonical)
    }

    @Test(arguments: [
        ("HTTP_X_USER_ID", "X-User-Id"), ("HTTP_USER_AGENT", "User-Agent"), ("HTTP_HOST", "Host"),
        ("HTTP_ACCEPT_ENCODING", "Accept-Encoding"), ("HTTP_X", "X"),
    ])
    func cgiParametersBecomeHeaderNames(parameter: String, header: String) {
        #expect(HeaderName.fromCGIParameter(parameter) == header)
    }

    @Test(arguments: ["HTTP_", "HTTP", "CONTENT_TYPE", "REMOTE_ADDR", "http_x_user_id", "QUERY_STRING", ""])
    func nonHeaderParametersGiveNil(parameter: String) {
        #expect(HeaderName.fromCGIParameter(parameter) == nil)
    }

    @Test func equalityIgnoresCase() {
        #expect(HeaderName.equal("X-User-Id", "x-user-id"))
        #expect(HeaderName.equal("", ""))
        #expect(!HeaderName.equal("X-User-Id", "X-User-Ids"))
        #expect(!HeaderName.equal("X-User-Id", "X_User_Id"))
    }

    @Test(arguments: [
        ("X-User-Id", "x-user-id"), ("x-user-id", "x-user-id"), ("CONTENT-TYPE", "content-type"), ("", ""),
        ("X-Ünïcode", "x-Ünïcode"), ("A1-B2_C3", "a1-b2_c3"),
    ])
    func lowercasingTouchesOnlyASCIILetters(name: String, lower: String) {
        #expect(HeaderName.lowercased(name) == lower)
    }

    @Test(arguments: [
        ("X-User-Id", true), ("x", true), ("!#$%&'*+-.^_`|~09azAZ", true), ("", false), ("X User", false),
        ("X:Y", false), ("X\r\nY", false), ("Ünï", false), ("a(b)", false), ("a\"b", false), ("a\u{7F}", false),
    ])
    func tokensAreRFC9110Tchars(name: String, isToken: Bool) {
        #expect(HeaderName.isToken(name) == isToken)
    }

    @Test func byteOrderOfNames() {
        let names = ["b", "B", "a", "A-b", "A", "", "ab", "a-", "Z", "é"]
        #expect(names.sorted(by: HeaderName.precedes) == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(!HeaderName.precedes("a", "a"))
    }

    // MARK: JSONText

    @Test func jsonTextWritesKeysInOrderWithEscapesAndNumbers() throws {
        var text = JSONText(capacity: 8)
        text.add("s", "a\"b\\c\nd\u{1}é")
        text.add("i", -1_234_567_890_123)
        text.add("zero", 0)
        text.add("max", Int.max)
        text.add("min", Int.min)
        text.add("d", 2.5)
        text.add("whole", 3.0)
        text.add("nan", Double.nan)
        text.add("b", false)
        text.add("raw", raw: "[1,2]")
        text.addNull("n")
        let json = text.finish()
        #expect(json == #"{"s":"a\"b\\c\nd\u0001é","i":-1234567890123,"zero":0,"max":9223372036854775807,"#
            + #""min":-9223372036854775808,"d":2.5,"whole":3,"nan":null,"b":false,"raw":[1,2],"n":null}"#)
        let parsed = try JSONValue.parse(json)
        #expect(parsed["s"] == .string("a\"b\\c\nd\u{1}é"))
        #expect(JSONText(capacity: 0).finish() == "{}")
    }

    // MARK: RequestTime

    @Test(arguments: [
        (0, "01/Jan/1970:00:00:00 +0000"), (-1, "31/Dec/1969:23:59:59 +0000"),
        (951_782_400, "29/Feb/2000:00:00:00 +0000"), (1_735_732_800, "01/Jan/2025:12:00:00 +0000"),
        (1_709_164_799, "28/Feb/2024:23:59:59 +0000"), (4_102_444_799, "31/Dec/2099:23:59:59 +0000"),
        (1_234_567_890, "13/Feb/2009:23:31:30 +0000"), (1_720_000_000, "03/Jul/2024:09:46:40 +0000"),
    ])
    func commonLogFormat(epoch: Int, text: String) {
        #expect(RequestTime.commonLogFormat(epochSeconds: epoch) == text)
    }

    @Test func everyMonthHasItsEnglishAbbreviation() {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        // The 15th of each month of 2025, noon UTC.
        var day = 1_735_732_800 + 14 * 86_400
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for (index, month) in months.enumerated() {
            #expect(RequestTime.commonLogFormat(epochSeconds: day) == "15/\(month)/2025:12:00:00 +0000")
            day += lengths[index] * 86_400
        }
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (Int64(1_735_732_800_123), "2025-01-01T12:00:00.123Z"),
        (Int64(951_782_400_005), "2000-02-29T00:00:00.005Z"), (Int64(1_234_567_890_050), "2009-02-13T23:31:30.050Z"),
        (Int64(1_709_164_799_999), "2024-02-28T23:59:59.999Z"),
    ])
    func iso8601(milliseconds: Int64, text: String) {
        #expect(RequestTime.iso8601(epochMilliseconds: milliseconds) == text)
    }

    // MARK: UUIDText

    @Test(arguments: [
        "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f30", "9B2F6A8E-3C1D-4F7A-8E52-0D6C4B1A7F30",
        "00000000-0000-0000-0000-000000000000",
    ])
    func validUUIDs(text: String) {
        #expect(UUIDText.isValid(text))
    }

    @Test(arguments: [
        "", "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f3", "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f300",
        "9b2f6a8e3c1d-4f7a-8e52-0d6c4b1a7f30a", "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f3g",
        "9b2f6a8-e3c1d-4f7a-8e52-0d6c4b1a7f30", "9b2f6a8e_3c1d_4f7a_8e52_0d6c4b1a7f30",
        "{9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f}", "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7fé",
    ])
    func invalidUUIDs(text: String) {
        #expect(!UUIDText.isValid(text))
    }

    @Test func randomUUIDsAreValidLowerCaseAndDistinct() {
        let ids = (0..<100).map { _ in UUIDText.random() }
        #expect(ids.allSatisfy { UUIDText.isValid($0) && $0 == $0.lowercased() })
        #expect(Set(ids).count == 100)
        #expect(UUIDText.isValid(RequestID.make()))
    }

    // MARK: TraceID

    @Test(arguments: [
        (UInt64(0), UInt64(0), "00000000-0000-4000-8000-000000000000"),
        (UInt64.max, UInt64.max, "ffffffff-ffff-4fff-bfff-ffffffffffff"),
        (UInt64(0x0123_4567_89AB_CDEF), UInt64(0xFEDC_BA98_7654_3210), "01234567-89ab-4def-bedc-ba9876543210"),
    ])
    func traceIdFormatSetsVersionAndVariant(high: UInt64, low: UInt64, text: String) {
        #expect(TraceID.format(high: high, low: low) == text)
    }

    @Test func traceIdsAreVersion4UUIDsAndDistinct() {
        let ids = (0..<1000).map { _ in TraceID.make() }
        #expect(Set(ids).count == 1000)
        for id in ids {
            #expect(UUIDText.isValid(id) && id == id.lowercased())
            let bytes = Array(id.utf8)
            #expect(bytes[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
        }
    }

    // MARK: JSONValue, Base64, small helpers

    @Test func jsonValueEncodesSortedAndIntegralNumbersWithoutFraction() throws {
        let value: JSONValue = ["b": 200, "a": [1.5, true, nil, "x/y"], "c": ["z": -3]]
        #expect(value.encoded() == #"{"a":[1.5,true,null,"x/y"],"b":200,"c":{"z":-3}}"#)
        #expect(try JSONValue.parse(value.encoded()) == value)
    }

    @Test func jsonValueKeepsBooleansAndNumbersApart() throws {
        #expect(try JSONValue.parse("[1, 0, true, false]") == [1, 0, true, false])
        #expect(try JSONValue.parse("1") == .number(1))
        #expect(try JSONValue.parse("true") == .bool(true))
        #expect(try JSONValue.parse(#""s""#) == .string("s"))
        #expect(try JSONValue.parse("null") == .null)
    }

    @Test func jsonValueAccessorsAndTypeNames() {
        let value: JSONValue = ["s": "x", "n": 1, "b": false, "a": [], "o": [:], "z": nil]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.numberValue == 1)
        #expect(value["b"]?.boolValue == false)
        #expect(value["a"]?.arrayValue == [])
        #expect(value["o"]?.objectValue == [:])
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["key"] == nil)
        #expect(
            ["s", "n", "b", "a", "o", "z"].map { value[$0]!.typeName }
                == ["string", "number", "boolean", "array", "object", "null"])
    }

    @Test func base64RoundTrips() {
        let bytes: [UInt8] = Array(0...255)
        #expect(StandardBase64.decode(StandardBase64.encode(bytes)) == bytes)
        #expect(StandardBase64.encode(Array("hello".utf8)) == "aGVsbG8=")
        #expect(StandardBase64.decode("###") == nil)
    }

    @Test(arguments: [(" \t x y \r\n", "x y"), ("", ""), ("   ", ""), ("a", "a"), ("\u{A0}a", "\u{A0}a")])
    func trimmedASCIIWhitespace(text: String, trimmed: String) {
        #expect(text.trimmedASCIIWhitespace == trimmed)
    }

    @Test(arguments: [(200, "OK"), (404, "Not Found"), (429, "Too Many Requests"), (504, "Gateway Timeout"), (299, "OK"), (599, "Error")])
    func reasonPhrases(code: Int, reason: String) {
        #expect(HTTPStatus.reason(code) == reason)
    }
}
