import FunctionRuntime
import Testing

@testable import FixtureRunner

func json(_ status: Int, _ body: String, headers: [FixtureHeader] = []) -> FixtureResponse {
    FixtureResponse(
        status: status, headers: headers + [FixtureHeader(name: "Content-Type", value: "application/json")], body: body)
}

/// Whole-case judging: status, headers, body, and the platform's own original fixtures.
@Suite struct FixtureJudgeTests {
    // MARK: The platform's original cases

    @Test func platformStartCase() throws {
        let start = try parseCase(
            #"{"name": "start", "method": "POST", "path": "/?action=start", "body": {"personImage": "p.jpg"},"#
                + #" "expectedStatus": 202, "expectedBody": {"task_id": "string", "status": "pending"}}"#)
        #expect(
            FixtureJudge.judge(json(202, #"{"task_id": "t_01", "status": "pending", "eta": 30}"#), against: start)
                .passed)

        let wrongType = FixtureJudge.judge(json(202, #"{"task_id": 5, "status": "pending"}"#), against: start)
        #expect(!wrongType.passed)
        #expect(wrongType.failures == ["body.task_id: expected a string, got number 5"])

        let wrongStatus = FixtureJudge.judge(json(200, #"{"task_id": "t", "status": "running"}"#), against: start)
        #expect(
            wrongStatus.failures == [
                #"status: expected 202, got 200 (body: text "{\"task_id\": \"t\", \"status\": \"running\"}")"#,
                #"body.status: expected "pending", got string "running""#,
            ])
    }

    @Test func platformWorkerCase() throws {
        let worker = try parseCase(#"{"name": "worker", "expectedStatus": 200, "expectedBody": {"message": "string"}}"#)
        #expect(FixtureJudge.judge(json(200, #"{"message": "processed 3 tasks"}"#), against: worker).passed)
        #expect(
            FixtureJudge.judge(json(200, #"{"msg": "x"}"#), against: worker).failures
                == ["body.message: expected a string, got nothing (the key is missing)"])
        #expect(
            FixtureJudge.judge(json(200, #"{"message": null}"#), against: worker).failures
                == ["body.message: expected a string, got null"])
    }

    @Test func platformNotFoundCase() throws {
        let missing = try parseCase(
            #"{"name": "status unknown", "path": "/?action=status&task_id=nope", "expectedStatus": 404,"#
                + #" "expectedBody": {"error": "Task not found"}}"#)
        #expect(missing.path == "/?action=status&task_id=nope")
        #expect(FixtureJudge.judge(json(404, #"{"error": "Task not found"}"#), against: missing).passed)
        #expect(
            FixtureJudge.judge(json(404, #"{"error": "Not found"}"#), against: missing).failures
                == [#"body.error: expected "Task not found", got string "Not found""#])
        #expect(!FixtureJudge.judge(json(500, #"{"error": "Task not found"}"#), against: missing).passed)
    }

    @Test func referencePreflightCase() throws {
        let preflight = try parseCase(
            #"{"name": "preflight", "method": "OPTIONS", "path": "/", "expectedStatus": 200,"#
                + #" "expectedHeaders": {"Access-Control-Allow-Origin": "*"},"#
                + #" "expectedBody": "", "bodyMatcher": "exact"}"#)
        let good = FixtureResponse(
            status: 200, headers: [FixtureHeader(name: "access-control-allow-origin", value: "*")])
        #expect(FixtureJudge.judge(good, against: preflight).passed)
        let bad = FixtureResponse(
            status: 200, headers: [FixtureHeader(name: "Access-Control-Allow-Origin", value: "https://a.b")], body: "{}"
        )
        #expect(
            FixtureJudge.judge(bad, against: preflight).failures == [
                #"headers.Access-Control-Allow-Origin: expected "*", got "https://a.b""#,
                #"body: expected exactly "", got text "{}""#,
            ])
    }

    // MARK: Status and body selection

    @Test func withoutExpectedBodyOnlyTheStatusIsChecked() throws {
        let fixture = FixtureCase(name: "s", expectedStatus: 204, bodyMatcher: .exact)
        #expect(FixtureJudge.judge(FixtureResponse(status: 204, body: "whatever"), against: fixture).passed)
        let verdict = FixtureJudge.judge(FixtureResponse(status: 200), against: fixture)
        #expect(verdict == FixtureVerdict(failures: ["status: expected 204, got 200 (body: an empty body)"]))
        #expect(!verdict.passed)
    }

    @Test func skipMatcherIgnoresTheBodyButNotTheStatus() {
        let fixture = FixtureCase(name: "s", expectedStatus: 200, expectedBody: ["a": 1], bodyMatcher: .skip)
        #expect(FixtureJudge.judge(FixtureResponse(status: 200, body: "nope"), against: fixture).passed)
        #expect(!FixtureJudge.judge(FixtureResponse(status: 201, body: "nope"), against: fixture).passed)
    }

    @Test func manyBodyFailuresAreSummarised() {
        let expected = JSONValue.array((0..<30).map { JSONValue.number(Double($0)) })
        let body = "[" + (0..<30).map { String($0 + 100) }.joined(separator: ",") + "]"
        let fixture = FixtureCase(name: "s", expectedStatus: 200, expectedBody: expected, bodyMatcher: .exact)
        let verdict = FixtureJudge.judge(FixtureResponse(status: 200, body: body), against: fixture)
        #expect(verdict.failures.count == FixtureJudge.maxBodyFailures + 1)
        #expect(verdict.failures.first == "body[0]: expected 0, got number 100")
        #expect(verdict.failures.last == "body: 10 more differences not listed")
    }

    // MARK: Headers

    @Test func headerNamesAreCaseInsensitive() {
        let fixture = FixtureCase(
            name: "h", expectedStatus: 200,
            expectedHeaders: [FixtureExpectedHeader(name: "content-TYPE", value: "application/json")])
        #expect(FixtureJudge.judge(json(200, "{}"), against: fixture).passed)
        #expect(
            FixtureResponse(status: 200, headers: [FixtureHeader(name: "X-A", value: "1")]).values(forHeader: "x-a")
                == ["1"])
    }

    @Test func missingHeaderIsReported() {
        let fixture = FixtureCase(
            name: "redirect", expectedStatus: 302,
            expectedHeaders: [FixtureExpectedHeader(name: "Location", value: "string")])
        let redirect = FixtureResponse(status: 302, headers: [FixtureHeader(name: "location", value: "https://x/y")])
        #expect(FixtureJudge.judge(redirect, against: fixture).passed)
        #expect(
            FixtureJudge.judge(FixtureResponse(status: 302), against: fixture).failures
                == ["headers.Location: expected a string, got nothing (the header is missing)"])
    }

    @Test(arguments: [
        (JSONValue.string("string"), "", true),
        ("string", "anything", true),
        ("number", "42", true),
        ("number", " -1.5e3 ", true),
        ("number", "42abc", false),
        ("number", "nan", false),
        ("number", "", false),
        ("boolean", "TRUE", true),
        ("boolean", "false", true),
        ("boolean", "yes", false),
        ("array", "[1]", true),
        ("array", "{}", false),
        ("object", #"{"a":1}"#, true),
        ("object", "a", false),
        ("*", "*", true),
        ("*", "https://a.b", false),
        ("no-cache", " no-cache\t", true),
        ("Application/JSON", "application/json", false),
        (0, "0", true),
        (0, "0.0", true),
        (0, "1", false),
        (true, "True", true),
        (true, "false", false),
        (false, "false", true),
    ])
    func headerValueExpectations(expected: JSONValue, actual: String, passes: Bool) {
        let fixture = FixtureCase(
            name: "h", expectedStatus: 200, expectedHeaders: [FixtureExpectedHeader(name: "X-V", value: expected)])
        let response = FixtureResponse(status: 200, headers: [FixtureHeader(name: "x-v", value: actual)])
        let verdict = FixtureJudge.judge(response, against: fixture)
        #expect(verdict.passed == passes)
        if !passes { #expect(verdict.failures.first?.hasPrefix("headers.X-V: expected ") == true) }
    }

    @Test func nullExpectsTheHeaderToBeAbsent() {
        let fixture = FixtureCase(
            name: "h", expectedStatus: 200, expectedHeaders: [FixtureExpectedHeader(name: "X-Debug", value: nil)])
        #expect(FixtureJudge.judge(FixtureResponse(status: 200), against: fixture).passed)
        #expect(
            FixtureJudge.judge(
                FixtureResponse(status: 200, headers: [FixtureHeader(name: "x-debug", value: "1")]), against: fixture
            )
            .failures == [#"headers.X-Debug: expected no such header, got "1""#])
    }

    @Test func repeatedHeaderPassesIfAnyValueMatches() {
        let cookies = [
            FixtureHeader(name: "Set-Cookie", value: "a=1"), FixtureHeader(name: "set-cookie", value: "b=2"),
        ]
        let wantsB = FixtureCase(
            name: "c", expectedStatus: 200, expectedHeaders: [FixtureExpectedHeader(name: "Set-Cookie", value: "b=2")])
        #expect(FixtureJudge.judge(FixtureResponse(status: 200, headers: cookies), against: wantsB).passed)
        let wantsC = FixtureCase(
            name: "c", expectedStatus: 200, expectedHeaders: [FixtureExpectedHeader(name: "Set-Cookie", value: "c=3")])
        #expect(
            FixtureJudge.judge(FixtureResponse(status: 200, headers: cookies), against: wantsC).failures
                == [#"headers.Set-Cookie: expected "c=3", got "a=1", "b=2""#])
    }

    @Test func everyMismatchIsReportedAtOnce() throws {
        let fixture = try parseCase(
            #"{"expectedStatus": 201, "expectedHeaders": {"Location": "string", "X-Count": "number"},"#
                + #" "expectedBody": {"id": "number", "name": "x"}}"#)
        let verdict = FixtureJudge.judge(
            json(400, #"{"id": "1"}"#, headers: [FixtureHeader(name: "X-Count", value: "many")]), against: fixture)
        #expect(verdict.failures.count == 5)
        #expect(
            verdict.failures.map { $0.prefix(while: { $0 != ":" }) } == [
                "status", "headers.Location", "headers.X-Count", "body.id", "body.name",
            ])
    }
}
