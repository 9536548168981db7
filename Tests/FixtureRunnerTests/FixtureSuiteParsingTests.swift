import FunctionRuntime
import Testing

@testable import FixtureRunner

/// Parses `{"tests": [<caseJSON>]}` and returns its only case.
func parseCase(_ caseJSON: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> FixtureCase {
    let suite = try FixtureSuite.parse("{\"tests\": [\(caseJSON)]}", file: "tests.json")
    try #require(suite.cases.count == 1, sourceLocation: sourceLocation)
    return suite.cases[0]
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Successful parsing: defaults, aliases, body encodings, headers, matchers.
@Suite struct FixtureSuiteParsingTests {
    @Test func minimalCaseTakesEveryDefault() throws {
        let fixture = try parseCase(#"{"expectedStatus": 200}"#)
        #expect(fixture.name == "tests[0]")
        #expect(fixture.index == 0)
        #expect(fixture.method == "GET")
        #expect(fixture.path == "/")
        #expect(fixture.headers.isEmpty)
        #expect(fixture.body.isEmpty)
        #expect(fixture.expectedStatus == 200)
        #expect(fixture.expectedBody == nil)
        #expect(fixture.bodyMatcher == .partial)
        #expect(fixture.expectedHeaders.isEmpty)
    }

    @Test func nullOptionalFieldsMeanAbsent() throws {
        let fixture = try parseCase(
            #"{"name": null, "method": null, "path": null, "headers": null, "body": null, "expectedStatus": 204,"#
                + #" "expectedBody": null, "bodyMatcher": null, "expectedHeaders": null, "queryParams": null}"#)
        #expect(fixture.method == "GET")
        #expect(fixture.path == "/")
        #expect(fixture.headers.isEmpty)
        #expect(fixture.body.isEmpty)
        #expect(fixture.expectedBody == nil)
        #expect(fixture.bodyMatcher == .partial)
    }

    @Test func casesKeepFileOrderAndIndexes() throws {
        let suite = try FixtureSuite.parse(
            #"{"tests": [{"name": "a", "expectedStatus": 200}, {"name": "b", "expectedStatus": 404}], "x": 1}"#,
            file: "f")
        #expect(suite.cases.map(\.name) == ["a", "b"])
        #expect(suite.cases.map(\.index) == [0, 1])
        #expect(suite.cases.map(\.expectedStatus) == [200, 404])
    }

    @Test func emptyTestsArrayIsAnEmptySuite() throws {
        #expect(try FixtureSuite.parse(#"{"tests": []}"#, file: "f").cases.isEmpty)
    }

    @Test func leadingByteOrderMarkIsTolerated() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"tests": [{"expectedStatus": 200}]}"#.utf8)
        #expect(try FixtureSuite.parse(bytes, file: "f").cases.count == 1)
    }

    @Test func methodIsUpperCased() throws {
        #expect(try parseCase(#"{"method": "post", "expectedStatus": 200}"#).method == "POST")
        #expect(try parseCase(#"{"method": "Options", "expectedStatus": 200}"#).method == "OPTIONS")
    }

    @Test(arguments: [
        ("/?action=list&id=5", "/?action=list&id=5"),
        ("", "/"),
        ("?action=list", "/?action=list"),
        ("api/users", "/api/users"),
        ("/?q=a b", "/?q=a%20b"),
        ("/?name=Иван", "/?name=%D0%98%D0%B2%D0%B0%D0%BD"),
        ("/?q=%20ok", "/?q=%20ok"),
        ("/?q=100%", "/?q=100%25"),
        ("/?tag=#1", "/?tag=%231"),
        ("/?a=\"x\"", "/?a=%22x%22"),
    ])
    func pathIsNormalisedForTheRequestTarget(raw: String, expected: String) throws {
        let json = JSONValue.string(raw).encoded()
        #expect(try parseCase(#"{"path": \#(json), "expectedStatus": 200}"#).path == expected)
    }

    @Test func legacyQueryMapsAreMergedIntoThePath() throws {
        let fixture = try parseCase(
            #"{"path": "/?action=list", "queryParams": {"b": "x y", "a": 5},"#
                + #" "queryStringParameters": {"flag": true, "tag": ["1", "2&3"]}, "expectedStatus": 200}"#)
        #expect(fixture.path == "/?action=list&a=5&b=x%20y&flag=true&tag=1&tag=2%263")
    }

    @Test func legacyQueryStartsAQueryWhenThePathHasNone() throws {
        #expect(try parseCase(#"{"queryParams": {"id": "7"}, "expectedStatus": 200}"#).path == "/?id=7")
        #expect(
            try parseCase(#"{"path": "/x?", "queryParams": {"id": 1.5}, "expectedStatus": 200}"#).path == "/x?id=1.5")
        #expect(
            try parseCase(#"{"path": "/?a=1&", "queryParams": {"b": ""}, "expectedStatus": 200}"#).path == "/?a=1&b=")
    }

    @Test func objectBodyIsJSONEncodedWithAContentType() throws {
        let fixture = try parseCase(
            #"{"method": "POST", "body": {"personImage": "https://example.com/p.jpg", "n": 2}, "expectedStatus": 202}"#)
        #expect(text(fixture.body) == #"{"n":2,"personImage":"https://example.com/p.jpg"}"#)
        #expect(fixture.headers == [FixtureHeader(name: "Content-Type", value: "application/json")])
    }

    @Test func arrayBodyIsJSONEncoded() throws {
        let fixture = try parseCase(#"{"body": [1, "two", null], "expectedStatus": 200}"#)
        #expect(text(fixture.body) == #"[1,"two",null]"#)
        #expect(fixture.header("content-type") == "application/json")
    }

    @Test func stringBodyIsSentVerbatimWithTheInferredContentType() throws {
        let fixture = try parseCase(#"{"body": "{\"raw\": 1 }", "expectedStatus": 200}"#)
        #expect(text(fixture.body) == #"{"raw": 1 }"#)
        #expect(fixture.header("Content-Type") == "application/json")
        let empty = try parseCase(#"{"body": "", "expectedStatus": 200}"#)
        #expect(empty.body.isEmpty)
        #expect(empty.header("Content-Type") == "application/json")
    }

    @Test func givenContentTypeIsKeptInAnyCase() throws {
        let fixture = try parseCase(
            #"{"headers": {"content-type": "text/plain"}, "body": "hello", "expectedStatus": 200}"#)
        #expect(fixture.headers == [FixtureHeader(name: "content-type", value: "text/plain")])
        #expect(text(fixture.body) == "hello")
    }

    @Test func bodylessCaseGetsNoContentType() throws {
        #expect(
            try parseCase(#"{"headers": {"X-User-Id": "42"}, "expectedStatus": 200}"#).header("Content-Type") == nil)
    }

    @Test func headersAreSortedAndScalarsBecomeText() throws {
        let fixture = try parseCase(
            #"{"headers": {"X-User-Id": 42, "authorization": "Bearer t", "X-Flag": false}, "expectedStatus": 200}"#)
        #expect(
            fixture.headers == [
                FixtureHeader(name: "authorization", value: "Bearer t"),
                FixtureHeader(name: "X-Flag", value: "false"),
                FixtureHeader(name: "X-User-Id", value: "42"),
            ])
        #expect(fixture.header("x-user-id") == "42")
    }

    @Test(arguments: [
        ("partial", BodyMatcher.partial), ("exact", .exact), ("type", .type), ("array", .array), ("none", .none),
        ("skip", .skip), ("EXACT", .exact), ("Partial", .partial),
    ])
    func bodyMatcherIsRead(spelling: String, matcher: BodyMatcher) throws {
        #expect(try parseCase(#"{"bodyMatcher": "\#(spelling)", "expectedStatus": 200}"#).bodyMatcher == matcher)
    }

    @Test func expectedBodyKeepsAnyJSONValue() throws {
        #expect(try parseCase(#"{"expectedStatus": 200, "expectedBody": ""}"#).expectedBody == "")
        #expect(try parseCase(#"{"expectedStatus": 200, "expectedBody": []}"#).expectedBody == [])
        #expect(
            try parseCase(#"{"expectedStatus": 200, "expectedBody": {"a": {"b": [1]}}}"#).expectedBody
                == ["a": ["b": [1]]])
        #expect(try parseCase(#"{"expectedStatus": 200, "expectedBody": 5}"#).expectedBody == 5)
    }

    @Test func expectedHeadersAreRead() throws {
        let fixture = try parseCase(
            #"{"expectedStatus": 302, "expectedHeaders": {"Location": "string", "Content-Length": 0, "X-Gone": null}}"#)
        #expect(
            fixture.expectedHeaders == [
                FixtureExpectedHeader(name: "Content-Length", value: 0),
                FixtureExpectedHeader(name: "Location", value: "string"),
                FixtureExpectedHeader(name: "X-Gone", value: nil),
            ])
    }

    @Test func expectedStatusAcceptsAnIntegralNumber() throws {
        #expect(try parseCase(#"{"expectedStatus": 404}"#).expectedStatus == 404)
        #expect(try parseCase(#"{"expectedStatus": 201.0}"#).expectedStatus == 201)
    }

    @Test func unknownKeysAreIgnored() throws {
        #expect(try parseCase(#"{"expectedStatus": 200, "description": "x", "timeout": 5}"#).expectedStatus == 200)
    }

    /// The reference's own example (section 9) parses to what the runner must send.
    @Test func referenceExampleParses() throws {
        let suite = try FixtureSuite.parse(
            """
            {"tests": [
              {"name": "preflight", "method": "OPTIONS", "path": "/", "expectedStatus": 200,
               "expectedHeaders": {"Access-Control-Allow-Origin": "*"}, "expectedBody": "", "bodyMatcher": "exact"},
              {"name": "start", "method": "POST", "path": "/?action=start", "headers": {"X-User-Id": "42"},
               "body": {"personImage": "https://example.com/p.jpg"}, "expectedStatus": 202,
               "expectedBody": {"taskId": "string", "status": "pending"}}
            ]}
            """, file: "functions/start/tests.json")
        let preflight = suite.cases[0]
        #expect(preflight.method == "OPTIONS" && preflight.bodyMatcher == .exact && preflight.expectedBody == "")
        #expect(preflight.body.isEmpty && preflight.headers.isEmpty)
        let start = suite.cases[1]
        #expect(start.path == "/?action=start")
        #expect(
            start.headers == [
                FixtureHeader(name: "X-User-Id", value: "42"),
                FixtureHeader(name: "Content-Type", value: "application/json"),
            ])
        #expect(text(start.body) == #"{"personImage":"https://example.com/p.jpg"}"#)
        #expect(start.expectedBody == ["taskId": "string", "status": "pending"])
        #expect(start.bodyMatcher == .partial)
    }
}
