import Foundation
import Testing

@testable import FunctionRuntime

/// The byte-level parser against Foundation's `JSONDecoder` (the reference for valid text) and
/// RFC 8259's grammar (for what must be refused).
@Suite struct JSONParseTests {
    /// Foundation's reading of the same text.
    func reference(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test(arguments: [
        #"{"statusCode": 200, "headers": {"A": "b"}, "body": "ok", "isBase64Encoded": false}"#,
        #"[1, -2.5, 3e2, 0, -0, 1.5E-3, 12345678901234567]"#, #""text""#, "true", "false", "null", " 42 ",
        #"{"nested": {"a": [[], {}, [{"b": null}]]}}"#,
        #""escapes \" \\ \/ \b \f \n \r \t \u00e9 \u0416 \ud83d\ude00""#, #""мир ünïcødé 😀""#,
        "\t\r\n{}\n",
    ])
    func validTextReadsAsFoundationReadsIt(text: String) throws {
        #expect(try JSONValue.parse(text) == reference(text))
        #expect(try JSONValue.parse(Array(text.utf8)) == reference(text))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{'a': 1}", "[01]", "[1.]", "[.5]", "[1e]", "[+1]", "NaN", "[Infinity]",
        "tru", "nulll", "\"unterminated", "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"",
        "1 2", "{\"a\" 1}", "[1e400]", "// c\n1",
    ])
    func invalidTextIsRefused(text: String) {
        #expect(throws: (any Error).self) { try JSONValue.parse(text) }
    }

    @Test func aRepeatedKeyKeepsItsLastValueAndAByteOrderMarkIsSkipped() throws {
        #expect(try JSONValue.parse(#"{"dup": 1, "dup": 2}"#) == ["dup": 2])
        #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
    }

    @Test func invalidUTF8InAStringIsRefused() {
        #expect(throws: (any Error).self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        #expect(error.reason.contains("deeper"))
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONValue.parse(fine) }
    }

    @Test func errorsSayWhere() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse("[1, 2, x]") }
        #expect(error.offset == 7)
    }
}
