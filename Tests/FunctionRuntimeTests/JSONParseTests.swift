import Foundation
import Testing

@testable import FunctionRuntime

/// The one JSON parser against Foundation's `JSONDecoder` (the reference for valid text), RFC 8259's
/// grammar (for what must be refused), and its options: the strict reading of a client's body
/// (bounded nesting and size, no repeated key, no byte order mark) and the default one.
@Suite struct JSONParseTests {
    /// Foundation's reading of the same text.
    func reference(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    func parseError(_ text: String, options: JSONParseOptions = JSONParseOptions()) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(text, options: options)
            return nil
        } catch {
            return error
        }
    }

    static let strict = JSONParseOptions.strict(maxDepth: 32, maxValues: 10_000)

    // MARK: The grammar

    @Test(arguments: [
        #"{"statusCode": 200, "headers": {"A": "b"}, "body": "ok", "isBase64Encoded": false}"#,
        #"[1, -2.5, 3e2, 0, -0, 1.5E-3, 12345678901234567, -0.5e+3, 1E2, 0.0, 1e-300]"#, #""text""#, "true", "false", "null", " 42 ",
        #"{"nested": {"a": [[], {}, [{"b": null}]]}}"#,
        #""escapes \" \\ \/ \b \f \n \r \t \u00e9 \u0416 \ud83d\ude00 \uD83D\uDE00 \u0000""#, #""мир ünïcødé 😀""#,
        "\t\r\n{}\n",
    ])
    func validTextReadsAsFoundationReadsIt(text: String) throws {
        #expect(try JSONValue.parse(text) == reference(text))
        #expect(try JSONValue.parse(Array(text.utf8)) == reference(text))
        #expect(try JSONValue.parse(text, options: Self.strict) == reference(text))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{'a': 1}", "[01]", "[-01]", "[1.]", "[.5]", "[1e]", "[1e+]", "[+1]", "[-]", "NaN", "[Infinity]",
        "tru", "nulll", "\"unterminated", "\"tab\there\"", "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\ud800\"",
        "\"\\ud83d\"", "\"\\udc00x\"", "\"\\ud800\\u0041\"", "1 2", "{} x", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{1: 2}", "[1e400]",
        "// c\n1", "[1] /* c */",
    ])
    func invalidTextIsRefused(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text, options: Self.strict) }
    }

    @Test func invalidUTF8InAStringIsRefused() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse([0x5B, 0x22, 0xFF, 0xFE, 0x22, 0x5D]) }
        #expect(error.kind == .invalidString)
        #expect(error.offset == 1)
    }

    @Test func surrogatePairsJoinAndLoneSurrogatesAreRefused() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("\u{1F600}"))
        #expect(try JSONValue.parse(#""a\u00e9\u0416b""#) == .string("aéЖb"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
        for lone in [#""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ud83d\ud83d""#] {
            #expect(parseError(lone)?.kind == .invalidString, "\(lone)")
        }
    }

    @Test func numbersReadAsDoublesAndOutOfRangeOnesAreRefused() throws {
        #expect(try JSONValue.parse("[-0.5e+3, 1E2, 0, -0, 9007199254740993]") == [-500, 100, 0, 0, .number(9_007_199_254_740_992)])
        #expect(try JSONValue.parse("1e-400") == 0)
        #expect(parseError("[1e400]") == JSONParseError(.numberOutOfRange, offset: 1))
        #expect(parseError("-1e400")?.kind == .numberOutOfRange)
    }

    // MARK: What an error says

    @Test(arguments: [
        ("not json", JSONParseError.Kind.unexpectedCharacter, 0),
        ("{\"person_image\": ", .unexpectedEnd, 17),
        ("[1, 2", .unexpectedEnd, 5),
        ("{\"a\"", .unexpectedEnd, 4),
        ("{", .unexpectedEnd, 1),
        ("{\"a\":1,}", .expectedKey, 7),
        ("{\u{0}\"a\":1}", .expectedKey, 1),
        ("{\"a\" 1}", .expectedColon, 5),
        ("{\"a\":[1,2,]}", .unexpectedCharacter, 10),
        ("[1, 2, x]", .unexpectedCharacter, 7),
        ("[1 2]", .unexpectedCharacter, 3),
        ("{\"a\":tru}", .unexpectedCharacter, 5),
        ("{\"a\":01}", .invalidNumber, 5),
        ("{\"a\":-}", .invalidNumber, 5),
        ("{\"a\":1.e3}", .invalidNumber, 5),
        ("{\"a\":\"x\ty\"}", .invalidString, 5),
        ("{\"a\":\"x\\qy\"}", .invalidString, 5),
        ("{\"a\":\"xy", .invalidString, 5),
        ("{\"a\":1}{}", .textAfterValue, 7),
        ("1 2", .textAfterValue, 2),
    ])
    func errorsNameTheKindAndTheByteWhereTheBrokenTokenStarts(text: String, kind: JSONParseError.Kind, offset: Int) {
        let error = parseError(text, options: Self.strict)
        #expect(error?.kind == kind)
        #expect(error?.offset == offset)
        #expect(error?.description.hasPrefix("invalid JSON at byte \(offset): ") == true)
    }

    @Test func stringErrorsSayWhatIsWrongInside() {
        #expect(parseError("\"a\tb\"")?.reason == "a control character inside a string")
        #expect(parseError("\"\\q\"")?.reason == "an unknown escape")
        #expect(parseError("\"\\ud800\"")?.reason == "a lone surrogate")
        #expect(parseError("\"\\u12\"")?.reason == "a \\u escape without four hex digits")
        #expect(parseError("[01]")?.reason == "a leading zero")
        #expect(JSONParseError.Kind.invalidString.summary == "a broken string")
    }

    // MARK: Options: nesting, size, repeated keys, byte order mark

    @Test func nestingIsBoundedAtTheDepthAsked() throws {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        #expect(throws: Never.self) { try JSONValue.parse(nested(512)) }
        let error = try #require(parseError(nested(513)))
        #expect(error.kind == .tooDeep(limit: 512))
        #expect(error.offset == 512)
        #expect(error.reason.contains("deeper"))
        #expect(throws: Never.self) { try JSONValue.parse(nested(32), options: Self.strict) }
        #expect(parseError(nested(33), options: Self.strict)?.kind == .tooDeep(limit: 32))
        #expect(parseError(#"{"a":{"b":{"c":1}}}"#, options: JSONParseOptions(maxDepth: 2)) == JSONParseError(.tooDeep(limit: 2), offset: 10))
        // No input recurses without bound, whatever its depth.
        #expect(parseError(nested(100_000))?.kind == .tooDeep(limit: 512))
    }

    @Test func theNumberOfValuesIsBoundedWhenAsked() throws {
        let ones = { (count: Int) in "[" + Array(repeating: "1", count: count).joined(separator: ",") + "]" }
        // The array itself is a value too.
        #expect(throws: Never.self) { try JSONValue.parse(ones(9_999), options: Self.strict) }
        #expect(parseError(ones(10_000), options: Self.strict)?.kind == .tooManyValues(limit: 10_000))
        // Member names are not values; objects are.
        let limited = JSONParseOptions(maxValues: 3)
        #expect(throws: Never.self) { try JSONValue.parse(#"{"a":1,"b":{}}"#, options: limited) }
        #expect(parseError(#"{"a":1,"b":{},"c":null}"#, options: limited) == JSONParseError(.tooManyValues(limit: 3), offset: 18))
        #expect(throws: Never.self) { try JSONValue.parse(ones(100_000)) }
    }

    @Test func aRepeatedKeyKeepsItsLastValueAtItsFirstPlaceByDefault() throws {
        let value = try JSONValue.parse(#"{"dup": 1, "other": 0, "dup": 2}"#)
        #expect(value == ["dup": 2, "other": 0])
        #expect(value.objectValue?.keys == ["dup", "other"])
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "a", 7),
        (#"{"a":1,"b":{"k":1,"k":2}}"#, "k", 18),
        (#" {"a\"b":1,"a\u0022b":2}"#, "a\"b", 11),
        (#"{"é":1,"\u00e9":2}"#, "é", 8),
    ])
    func strictReadingRefusesARepeatedKeyComparedAfterUnescaping(text: String, key: String, offset: Int) {
        #expect(parseError(text, options: Self.strict) == JSONParseError(.repeatedKey(key), offset: offset))
    }

    @Test func theSameKeyInDifferentObjectsIsNoRepeat() throws {
        let value = try JSONValue.parse(#"[{"a":1},{"a":2},{"b":{"a":3}}]"#, options: Self.strict)
        #expect(value.arrayValue?.count == 3)
    }

    @Test func aByteOrderMarkIsSkippedByDefaultAndRefusedStrictly() throws {
        let marked = [0xEF, 0xBB, 0xBF] + Array("[1]".utf8)
        #expect(try JSONValue.parse(marked) == [1])
        #expect(throws: JSONParseError(.unexpectedCharacter, offset: 0)) { try JSONValue.parse(marked, options: Self.strict) }
    }

    @Test func aNonContiguousCollectionParsesToo() throws {
        let bytes = Array("{\"a\": [1, 2]}".utf8)
        #expect(try JSONValue.parse(bytes.lazy.map { $0 }) == ["a": [1, 2]])
        #expect(try JSONValue.parse(bytes[...]) == ["a": [1, 2]])
    }
}
