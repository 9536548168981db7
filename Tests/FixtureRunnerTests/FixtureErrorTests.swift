import FunctionRuntime
import Testing

@testable import FixtureRunner

/// The error `FixtureSuite.parse` throws for `text`, or `nil` when it parses.
func parseError(_ text: String, file: String = "fn/tests.json") -> FixtureError? {
    parseError(Array(text.utf8), file: file)
}

func parseError(_ bytes: [UInt8], file: String = "fn/tests.json") -> FixtureError? {
    do {
        _ = try FixtureSuite.parse(bytes, file: file)
        return nil
    } catch {
        return error
    }
}

/// The error for a document whose only case is `caseJSON`.
func caseError(_ caseJSON: String) -> FixtureError? {
    parseError("{\"tests\": [\(caseJSON)]}")
}

/// Malformed documents: every rejection, and where its message points.
@Suite struct FixtureErrorTests {
    @Test(arguments: ["", "  \n", "{", "{\"tests\": [}", "tests", "{'tests': []}", "{\"tests\": [1e400]}", "NaN"])
    func invalidJSONIsRejected(document: String) throws {
        let error = try #require(parseError(document))
        #expect(error.code == .invalidJSON)
        #expect(error.file == "fn/tests.json")
        #expect(error.description.hasPrefix("fn/tests.json: "))
    }

    @Test func invalidJSONSaysWhereItBroke() throws {
        let broken = try #require(parseError("{\"tests\": [\n  {\"name\": \"é\", \"expectedStatus\": 2x0}\n]}"))
        #expect(broken.message == "not valid JSON at line 2, column 36 (byte 48): an unexpected character")
        let early = try #require(parseError("\u{FEFF}{\"tests\": ["))
        #expect(early.message == "not valid JSON at line 1, column 12 (byte 14): it ends early", "the byte-order mark is no column")
    }

    @Test(arguments: [(0, 1, 1), (3, 1, 4), (4, 2, 1), (6, 2, 2), (7, 2, 3), (100, 2, 3)])
    func lineAndColumnCountLinesAndCharacters(offset: Int, line: Int, column: Int) {
        // "abc\n", then "é" (two bytes) and "x".
        let bytes: [UInt8] = [0x61, 0x62, 0x63, 0x0A, 0xC3, 0xA9, 0x78]
        #expect(FixtureSuite.lineAndColumn(ofByte: offset, in: bytes) == (line, column))
    }

    @Test func invalidUTF8IsRejected() throws {
        #expect(parseError([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])?.code == .invalidJSON)
    }

    @Test func nestingBeyondTheParserLimitIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(parseError(deep)?.code == .invalidJSON)
        let deepBody = #"{"tests": [{"expectedStatus": 200, "expectedBody": "# + String(repeating: "[", count: 5000)
        #expect(parseError(deepBody)?.code == .invalidJSON)
    }

    @Test(arguments: ["[]", "[{\"tests\": []}]", "\"tests\"", "5", "null", "true"])
    func topLevelMustBeAnObject(document: String) throws {
        let error = try #require(parseError(document))
        #expect(error.code == .topLevelNotObject)
        #expect(error.caseIndex == nil && error.field == nil)
    }

    @Test func testsKeyIsRequired() throws {
        let error = try #require(parseError(#"{"test": []}"#))
        #expect(error.code == .missingTests)
        #expect(error.description == #"fn/tests.json: the top-level object has no "tests" array"#)
    }

    @Test(arguments: [#"{"tests": {}}"#, #"{"tests": null}"#, #"{"tests": "all"}"#, #"{"tests": 3}"#])
    func testsMustBeAnArray(document: String) throws {
        let error = try #require(parseError(document))
        #expect(error.code == .testsNotArray)
        #expect(error.field == "tests")
    }

    @Test func everyCaseMustBeAnObject() throws {
        let error = try #require(parseError(#"{"tests": [{"expectedStatus": 200}, "oops"]}"#))
        #expect(error.code == .caseNotObject)
        #expect(error.caseIndex == 1)
        #expect(error.description == #"fn/tests.json: tests[1]: expected an object, got string "oops""#)
    }

    @Test func expectedStatusIsRequired() throws {
        let error = try #require(caseError(#"{"name": "start"}"#))
        #expect(error.code == .missingField)
        #expect(error.field == "expectedStatus")
        #expect(error.description.hasPrefix(#"fn/tests.json: tests[0] "start": field "expectedStatus": "#))
    }

    @Test func errorMessageNamesFileCaseAndField() throws {
        let error = try #require(caseError(#"{"name": "start", "expectedStatus": "202"}"#))
        #expect(
            error.description
                == #"fn/tests.json: tests[0] "start": field "expectedStatus": expected an integer, got string "202""#)
        #expect(error.caseName == "start")
    }

    @Test(arguments: [
        (#"{"expectedStatus": "200"}"#, "expectedStatus"),
        (#"{"expectedStatus": null}"#, "expectedStatus"),
        (#"{"expectedStatus": true}"#, "expectedStatus"),
        (#"{"expectedStatus": 200, "name": 5}"#, "name"),
        (#"{"expectedStatus": 200, "method": 5}"#, "method"),
        (#"{"expectedStatus": 200, "method": ["GET"]}"#, "method"),
        (#"{"expectedStatus": 200, "path": {}}"#, "path"),
        (#"{"expectedStatus": 200, "headers": []}"#, "headers"),
        (#"{"expectedStatus": 200, "headers": "X-A: 1"}"#, "headers"),
        (#"{"expectedStatus": 200, "headers": {"X-A": null}}"#, "headers.X-A"),
        (#"{"expectedStatus": 200, "headers": {"X-A": {"v": 1}}}"#, "headers.X-A"),
        (#"{"expectedStatus": 200, "body": 5}"#, "body"),
        (#"{"expectedStatus": 200, "body": false}"#, "body"),
        (#"{"expectedStatus": 200, "bodyMatcher": 1}"#, "bodyMatcher"),
        (#"{"expectedStatus": 200, "expectedHeaders": ["Location"]}"#, "expectedHeaders"),
        (#"{"expectedStatus": 200, "expectedHeaders": {"Location": ["a"]}}"#, "expectedHeaders.Location"),
        (#"{"expectedStatus": 200, "queryParams": "a=1"}"#, "queryParams"),
        (#"{"expectedStatus": 200, "queryParams": {"a": {"b": 1}}}"#, "queryParams.a"),
        (#"{"expectedStatus": 200, "queryParams": {"a": null}}"#, "queryParams.a"),
        (#"{"expectedStatus": 200, "queryStringParameters": {"a": [[1]]}}"#, "queryStringParameters.a"),
    ])
    func wrongFieldTypesAreRejected(caseJSON: String, field: String) throws {
        let error = try #require(caseError(caseJSON))
        #expect(error.code == .wrongType)
        #expect(error.field == field)
        #expect(error.caseIndex == 0)
    }

    @Test(arguments: [
        (#"{"expectedStatus": 2000}"#, "expectedStatus"),
        (#"{"expectedStatus": 99}"#, "expectedStatus"),
        (#"{"expectedStatus": 200.5}"#, "expectedStatus"),
        (#"{"expectedStatus": -1}"#, "expectedStatus"),
        (#"{"expectedStatus": 200, "method": ""}"#, "method"),
        (#"{"expectedStatus": 200, "method": "GET /x HTTP/1.1\r\nHost: evil"}"#, "method"),
        (#"{"expectedStatus": 200, "headers": {"X-A": "1\r\nX-Injected: 2"}}"#, "headers.X-A"),
        (#"{"expectedStatus": 200, "headers": {"Bad Name": "1"}}"#, "headers.Bad Name"),
        (#"{"expectedStatus": 200, "headers": {"": "1"}}"#, "headers."),
        (#"{"expectedStatus": 200, "expectedHeaders": {"X:Y": "1"}}"#, "expectedHeaders.X:Y"),
    ])
    func unusableValuesAreRejected(caseJSON: String, field: String) throws {
        let error = try #require(caseError(caseJSON))
        #expect(error.code == .invalidValue)
        #expect(error.field == field)
    }

    @Test func unknownBodyMatcherIsNamed() throws {
        let error = try #require(caseError(#"{"name": "x", "expectedStatus": 200, "bodyMatcher": "fuzzy"}"#))
        #expect(error.code == .unknownBodyMatcher)
        #expect(error.field == "bodyMatcher")
        #expect(error.description.contains(#""fuzzy""#))
        #expect(error.description.contains("partial, exact, type, array, none, skip"))
    }

    @Test func laterErrorsNameTheCaseWhileTheFirstCasesParse() throws {
        let error = try #require(
            parseError(#"{"tests": [{"expectedStatus": 200}, {"name": "second", "expectedStatus": 200, "body": 1}]}"#))
        #expect(error.caseIndex == 1 && error.caseName == "second" && error.field == "body")
    }

    /// Every prefix of a valid document, and every single-byte corruption of it, parses or throws; none traps.
    @Test func truncatedAndCorruptedDocumentsNeverTrap() {
        let valid = Array(
            (#"{"tests": [{"name": "s", "method": "POST", "path": "/?a=1", "headers": {"X-A": "1"},"#
                + #" "body": {"k": [1]}, "expectedStatus": 202, "expectedBody": {"id": "string"},"#
                + #" "expectedHeaders": {"L": null}}]}"#).utf8)
        var outcomes = 0
        for end in 0...valid.count {
            _ = parseError(Array(valid[..<end]))
            outcomes += 1
        }
        for offset in valid.indices {
            for replacement: UInt8 in [0x00, 0x22, 0x5B, 0x7D, 0x2C, 0xFF] {
                var corrupted = valid
                corrupted[offset] = replacement
                _ = parseError(corrupted)
            }
        }
        #expect(outcomes == valid.count + 1)
        #expect(parseError(valid) == nil)
    }
}
