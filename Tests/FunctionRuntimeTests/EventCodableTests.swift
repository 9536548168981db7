import Foundation
import Testing

@testable import FunctionRuntime

/// Event files: lenient decoding with the platform's defaults, lossless round trips.
@Suite struct EventCodableTests {
    @Test func partialEventFileGetsDefaults() throws {
        let event = try Event.decode(json: Array(#"{"httpMethod": "post", "body": "{\"a\":1}"}"#.utf8))
        #expect(event.httpMethod == "POST")
        #expect(event.body == #"{"a":1}"#)
        #expect(event.isBase64Encoded == false)
        #expect(event.headers.isEmpty && event.multiValueHeaders.isEmpty)
        #expect(event.queryStringParameters.isEmpty && event.multiValueQueryStringParameters.isEmpty)
        #expect(event.url == "" && event.path == "")
        #expect(event.params.isEmpty && event.multiValueParams.isEmpty && event.pathParams.isEmpty)
        let context = event.requestContext
        #expect(context.httpMethod == "POST")
        #expect(context.identity.sourceIp == "127.0.0.1")
        #expect(context.identity.userAgent == "")
        #expect(context.requestTimeEpoch == 0)
        #expect(context.requestTime == "01/Jan/1970:00:00:00 +0000")
        #expect(UUIDText.isValid(context.requestId))
        #expect(context.requestId == context.requestId.lowercased())
    }

    @Test func emptyObjectIsAGet() throws {
        let event = try Event.decode(json: Array("{}".utf8))
        #expect(event.httpMethod == "GET")
        #expect(event.requestContext.httpMethod == "GET")
        #expect(event.body == "")
    }

    @Test func emptyEventEncodesWithEveryKeyAndNoNull() throws {
        let event = try Event.decode(json: Array("{}".utf8))
        let text = try jsonText(event)
        #expect(try jsonObject(text).count == 13)
        #expect(!text.contains("null"))
    }

    @Test func theSpecExampleDecodes() throws {
        let text = #"""
            {
              "httpMethod": "POST",
              "headers": {"Content-Type": "application/json", "X-User-Id": "42"},
              "multiValueHeaders": {"Content-Type": ["application/json"], "X-User-Id": ["42"]},
              "queryStringParameters": {"action": "start", "tag": "b"},
              "multiValueQueryStringParameters": {"action": ["start"], "tag": ["a", "b"]},
              "requestContext": {
                "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"}, "httpMethod": "POST",
                "requestId": "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f30",
                "requestTime": "01/Jan/2025:12:00:00 +0000", "requestTimeEpoch": 1735732800
              },
              "body": "{\"personImage\":\"https://example.com/p.jpg\"}",
              "isBase64Encoded": false,
              "url": "u", "path": "p", "params": {"k": "v"}, "multiValueParams": {"k": ["v"]}, "pathParams": {"id": "7"}
            }
            """#
        let event = try Event.decode(json: Array(text.utf8))
        #expect(event.headers["X-User-Id"] == "42")
        #expect(event.multiValueQueryStringParameters["tag"] == ["a", "b"])
        #expect(event.requestContext.requestTimeEpoch == 1_735_732_800)
        #expect(event.requestContext.requestId == exampleRequestId)
        #expect(event.requestContext.identity.userAgent == "curl/8.5.0")
        #expect(event.body == #"{"personImage":"https://example.com/p.jpg"}"#)
        #expect(event.url == "u" && event.path == "p")
        #expect(event.params == ["k": "v"] && event.multiValueParams == ["k": ["v"]] && event.pathParams == ["id": "7"])
    }

    @Test func builtEventRoundTrips() throws {
        let original = try buildEvent(
            makeRequest(
                method: "POST", query: "a=1&a=2&flag", headers: [("X-Tag", "1"), ("x-tag", "2"), ("Cookie", "c=1")],
                body: [0, 1, 2, 250]))
        let decoded = try Event.decode(json: Array(try jsonText(original).utf8))
        #expect(decoded == original)
        let fromPretty = try Event.decode(json: Array(try original.prettyJSON().utf8))
        #expect(fromPretty == original)
    }

    @Test func extraFieldsRoundTrip() throws {
        var event = try buildEvent(makeRequest())
        event.url = "/x"
        event.path = "/y"
        event.params = ["a": "b"]
        event.multiValueParams = ["a": ["b", "c"]]
        event.pathParams = ["id": "1"]
        #expect(try Event.decode(json: Array(try jsonText(event).utf8)) == event)
    }

    @Test func prettyJSONDoesNotEscapeSlashesAndSortsKeys() throws {
        let event = try buildEvent(makeRequest(headers: [("Referer", "https://a.example/b")]))
        let text = try event.prettyJSON()
        #expect(text.contains("https://a.example/b"))
        #expect(text.contains("\n"))
        let body = try #require(text.range(of: "\"body\""))
        let headers = try #require(text.range(of: "\"headers\""))
        #expect(body.lowerBound < headers.lowerBound)
    }

    @Test(arguments: [
        #"{"headers": []}"#, #"{"headers": {"A": 1}}"#, #"{"body": 5}"#, #"{"isBase64Encoded": "yes"}"#,
        #"{"requestContext": {"httpMethod": "GET"}}"#, "[]", "not json",
    ])
    func wrongTypesAreRejected(text: String) {
        #expect(throws: (any Error).self) { try Event.decode(json: Array(text.utf8)) }
    }

    @Test func headerLookupIgnoresCase() throws {
        let event = Event(
            httpMethod: "GET", headers: ["X-User-Id": "42", "content-type": "text/plain"],
            requestContext: .init(
                identity: .init(sourceIp: "", userAgent: ""), httpMethod: "GET", requestId: "", requestTime: "",
                requestTimeEpoch: 0))
        #expect(event.header("x-user-id") == "42")
        #expect(event.header("X-USER-ID") == "42")
        #expect(event.header("Content-Type") == "text/plain")
        #expect(event.header("X-Missing") == nil)
    }

    @Test func bodyBytesDecodesBase64AndRejectsInvalid() throws {
        var event = try Event.decode(json: Array(#"{"body": "aGVsbG8=", "isBase64Encoded": true}"#.utf8))
        #expect(event.bodyBytes == Array("hello".utf8))
        event.body = "***"
        #expect(event.bodyBytes == nil)
        event.isBase64Encoded = false
        #expect(event.bodyBytes == Array("***".utf8))
    }
}
