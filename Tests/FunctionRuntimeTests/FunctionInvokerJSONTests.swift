import Foundation
import Testing

@testable import FunctionRuntime

/// A `JSONFunction` that answers from a table of canned results, recording what it was given.
struct ScriptedJSONFunction: JSONFunction {
    /// What `invoke` returns (or throws), keyed by the event's `queryStringParameters.case`
    /// (or `raw` for `?integration=raw`).
    var results: [String: Result<String, RuntimeError>]
    var seen: [(event: [UInt8], integration: Integration, context: Context)] = []

    mutating func invoke(event: [UInt8], integration: Integration, context: Context) throws(RuntimeError) -> [UInt8] {
        seen.append((event, integration, context))
        let key: String
        if integration == .raw {
            key = "raw"
        } else {
            let parsed = try? JSONValue.parse(event)
            key = parsed?["queryStringParameters"]?["case"]?.stringValue ?? ""
        }
        switch results[key] ?? .success(#"{"statusCode": 200, "body": "default"}"#) {
        case .success(let text): return Array(text.utf8)
        case .failure(let error): throw error
        }
    }
}

/// A JSON request (the shared `makeRequest` with a JSON content type).
func jsonRequest(query: String = "", body: [UInt8] = [], method: String = "GET") -> IncomingRequest {
    makeRequest(method: method, query: query, headers: [("Content-Type", "application/json"), ("User-Agent", "t")], body: body)
}

@Suite struct FunctionInvokerJSONTests {
    func invoker(_ results: [String: Result<String, RuntimeError>], edge: EdgeOptions = .platform) -> FunctionInvoker {
        FunctionInvoker(spec: spec("py"), jsonFactory: { ScriptedJSONFunction(results: results) }, edge: edge)
    }

    @Test func theEventIsTheBuildersJSONAndTheResultIsMappedByThePlatformsRules() throws {
        var invoker = invoker(["ok": .success(#"{"statusCode": 201, "headers": {"X-A": "1", "Date": "d"}, "body": "made"}"#)])
        let result = invoker.invoke(jsonRequest(query: "case=ok&x=1", body: Array(#"{"a":1}"#.utf8), method: "POST"), deadlineMilliseconds: 9)
        #expect(result.outcome == .ok)
        #expect(result.response.status == 201)
        #expect(bodyText(result) == "made")
        #expect(result.response.header("X-A") == "1")
        #expect(result.response.header("X-Yf-Remapped-Date") == "d")
    }

    @Test func theEventJSONMatchesTheCodableEncoding() throws {
        let request = jsonRequest(query: "a=1&a=2&b=%20", body: Array(#"{"q":"\u00e9\n"}"#.utf8), method: "PUT")
        let event = try EventBuilder().build(request)
        let fast = try JSONValue.parse(event.jsonBytes())
        let reference = try JSONValue.parse(Array(try event.jsonText().utf8))
        #expect(fast == reference)
        let timer = Event.timer(triggerId: "t", payload: "p\"", epochMilliseconds: 5_000, eventId: "e")
        #expect(try JSONValue.parse(timer.jsonBytes()) == JSONValue.parse(Array(try timer.jsonText().utf8)))
    }

    @Test func aResultThatIsNotAResponseObjectIsProxyIntegrationErrorWithItsText() throws {
        var invoker = invoker(["list": .success("[1, 2]"), "null": .success("null"), "body": .success(#"{"body": {"a": 1}}"#)])
        for (key, reason) in [("list", "not a json object"), ("null", "not a json object"), ("body", "body is not a string")] {
            let result = invoker.invoke(jsonRequest(query: "case=\(key)"), deadlineMilliseconds: 0)
            #expect(result.response.status == 502)
            #expect(result.response.header("X-Function-Error") == "true")
            let body = try JSONValue.parse(result.response.body)
            #expect(body["errorType"] == "ProxyIntegrationError")
            #expect(body["errorMessage"]?.stringValue?.contains(reason) == true, "\(key)")
            #expect(body["payload"]?.stringValue?.isEmpty == false)
        }
    }

    @Test func aRaisedExceptionKeepsItsTypeAndFrames() throws {
        let raised = RuntimeError(.handlerFailed, "bad value", errorType: "ValueError", stackTrace: ["  File \"index.py\", line 3, in handler\n"])
        var invoker = invoker(["raise": .failure(raised)])
        let result = invoker.invoke(jsonRequest(query: "case=raise"), deadlineMilliseconds: 0)
        #expect(result.response.status == 502)
        #expect(result.outcome == .error)
        let body = try JSONValue.parse(result.response.body)
        #expect(body["errorType"] == "ValueError")
        #expect(body["errorMessage"] == "bad value")
        #expect(body["stackTrace"] == .array([.string("  File \"index.py\", line 3, in handler\n")]))
    }

    /// The platform's limit is on the JSON structure: a base64 body counts as its text.
    @Test func theLimitIsOnTheResultsJSONNotTheDecodedBody() throws {
        let decoded = 3_000  // 4,000 characters of base64
        let base64 = Data(repeating: 7, count: decoded).base64EncodedString()
        let edge = EdgeOptions(maxResponseBytes: 3_500)
        var invoker = invoker(["big": .success(#"{"body": "\#(base64)", "isBase64Encoded": true}"#), "small": .success(#"{"body": "ok"}"#)], edge: edge)
        let refused = invoker.invoke(jsonRequest(query: "case=big"), deadlineMilliseconds: 0)
        #expect(refused.response.status == 502)
        #expect(try JSONValue.parse(refused.response.body)["errorMessage"]?.stringValue?.contains("as JSON") == true)
        #expect(invoker.invoke(jsonRequest(query: "case=small"), deadlineMilliseconds: 0).response.status == 200)
    }

    @Test func aSwiftResponseCountsAsItsJSONToo() {
        struct Base64Function: CloudFunction {
            init() {}
            mutating func handle(_ event: Event, context: Context) throws -> Response {
                .binary(200, Array(repeating: 1, count: 3_000), contentType: "image/png")
            }
        }
        var invoker = FunctionInvoker(spec: spec(), factory: { Base64Function() }, edge: EdgeOptions(maxResponseBytes: 3_500))
        #expect(invoker.invoke(jsonRequest(), deadlineMilliseconds: 0).response.status == 502)
        var roomy = FunctionInvoker(spec: spec(), factory: { Base64Function() }, edge: EdgeOptions(maxResponseBytes: 4_200))
        let result = roomy.invoke(jsonRequest(), deadlineMilliseconds: 0)
        #expect(result.response.status == 200)
        #expect(result.response.body.count == 3_000)
    }

    @Test func rawIntegrationPassesTheBodyAndReturnsTheResultAsTheBody() throws {
        var invoker = invoker(["raw": .success(#"{"statusCode": 404, "echo": [1]}"#)])
        let result = invoker.invoke(jsonRequest(query: "integration=raw", body: Array("[1,2]".utf8), method: "POST"), deadlineMilliseconds: 0)
        #expect(result.response.status == 200)
        #expect(bodyText(result) == #"{"statusCode": 404, "echo": [1]}"#)
        #expect(result.response.header("Content-Type") == "application/json")
    }

    @Test func rawIntegrationForASwiftFunctionSendsItsResponseObject() throws {
        var invoker = FunctionInvoker(spec: spec(), factory: { ProbeFunction() })
        let result = invoker.invoke(jsonRequest(query: "integration=raw", body: Array("hello".utf8), method: "POST"), deadlineMilliseconds: 0)
        #expect(result.response.status == 200)
        let object = try JSONValue.parse(result.response.body)
        #expect(object["statusCode"] == 200)
        #expect(object["body"]?.stringValue?.contains("POST") == true)
    }

    @Test(arguments: ["integration=raw", "a=1&integration=raw", "integration=raw&b"])
    func rawIsRecognisedAnywhereInTheQuery(query: String) {
        #expect(Integration.of(query: query) == .raw)
    }

    @Test(arguments: ["", "integration=event", "integration=rawer", "xintegration=raw", "integration="])
    func otherQueriesAreEvents(query: String) {
        #expect(Integration.of(query: query) == .event)
    }

    @Test func anInitializationErrorIsRetriedAndAnsweredAs502() throws {
        let failure = RuntimeError(.initializationFailed, "cannot import index.py: SyntaxError (index.py, line 2)", errorType: "SyntaxError")
        var invoker = FunctionInvoker(spec: spec(), jsonFactory: { throw failure })
        let result = invoker.invoke(jsonRequest(), deadlineMilliseconds: 0)
        #expect(result.response.status == 502)
        let body = try JSONValue.parse(result.response.body)
        #expect(body["errorType"] == "SyntaxError")
        #expect(body["errorMessage"]?.stringValue?.contains("line 2") == true)
    }
}
