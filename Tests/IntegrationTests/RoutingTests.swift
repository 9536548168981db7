import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing
import Hashing

/// Routing, event fidelity and response mapping through real nginx and the real host.
@Suite(.serialized) struct RoutingTests {
    static let echoUUID = "0e1a5b6c-1111-4aaa-8bbb-000000000001"

    @Test func functionsAreReachableByUUIDAndByNameWithOrWithoutTrailingSlash() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        for path in ["/\(Self.echoUUID)?k=v", "/\(Self.echoUUID)/?k=v", "/echo?k=v", "/echo/?k=v", "/\(Self.echoUUID.uppercased())?k=v"] {
            let response = try stack.send(path)
            #expect(response.status == 200, "\(path)")
            #expect(response.json?["event"]?["queryStringParameters"]?["k"] == "v", "\(path) keeps its query")
            #expect(response.json?["context"]?["functionName"] == "echo")
        }
    }

    @Test func unknownFunctionsAndExtraPathSegmentsGetJSONErrors() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let missing = try stack.send("/no-such-function")
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type") == "application/json")
        #expect(missing.json?["errorType"] == "FunctionNotFound")
        let unknownUUID = try stack.send("/00000000-0000-4000-8000-000000000000")
        #expect(unknownUUID.status == 404)
        #expect(unknownUUID.json != nil)
        let extra = try stack.send("/echo/extra/segments")
        #expect(extra.status == 400)
        #expect(extra.json?["errorType"] == "ProxyIntegrationError")
    }

    @Test func theEventCarriesThePlatformsFieldsThroughNginx() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let response = try stack.send(
            "POST", "/echo?a=1&a=2&flag",
            headers: [
                HTTPHeader(name: "content-type", value: "application/json; charset=utf-8"),
                HTTPHeader(name: "x-user-id", value: "42"),
                HTTPHeader(name: "X-Tag", value: "one"), HTTPHeader(name: "X-Tag", value: "two"),
                HTTPHeader(name: "Authorization", value: "Bearer secret-token"),
                HTTPHeader(name: "Cookie", value: "sid=1"),
            ],
            body: Array(#"{"person_image":"https://example.com/p.jpg"}"#.utf8))
        #expect(response.status == 200)
        let event = try #require(response.json?["event"])
        #expect(event["httpMethod"] == "POST")
        #expect(event["isBase64Encoded"] == false)
        #expect(event["body"] == #"{"person_image":"https://example.com/p.jpg"}"#)
        #expect(event["headers"]?["X-User-Id"] == "42")
        #expect(event["headers"]?["X-Tag"] == "two")
        #expect(event["multiValueHeaders"]?["X-Tag"] == ["one", "two"])
        #expect(event["headers"]?["X-Authorization"] == "Bearer secret-token")
        #expect(event["headers"]?["Authorization"] == nil)
        #expect(event["headers"]?["X-Cookie"] == "sid=1")
        #expect(event["queryStringParameters"] == ["a": "2", "flag": ""])
        #expect(event["multiValueQueryStringParameters"] == ["a": ["1", "2"], "flag": [""]])
        for key in ["url", "path"] { #expect(event[key] == "") }
        for key in ["params", "multiValueParams", "pathParams"] { #expect(event[key] == [:]) }
        let context = try #require(event["requestContext"])
        let requestId = try #require(context["requestId"]?.stringValue)
        #expect(UUIDText.isValid(requestId))
        #expect(event["headers"]?["X-Request-Id"]?.stringValue == requestId)
        #expect(response.header("X-Request-Id") == requestId)
        #expect(response.json?["context"]?["requestId"]?.stringValue == requestId)
        #expect(context["identity"]?["sourceIp"] == "127.0.0.1")
        #expect(context["httpMethod"] == "POST")
        let epoch = try #require(context["requestTimeEpoch"]?.numberValue)
        #expect(abs(epoch - Date().timeIntervalSince1970) < 60)
        #expect(context["requestTime"]?.stringValue == RequestTime.commonLogFormat(epochSeconds: Int(epoch)))
    }

    @Test func nonJSONBodiesArriveAsBase64AndEmptyBodiesAsEmptyStrings() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let bytes: [UInt8] = [0, 1, 2, 255, 254, 10, 13]
        let binary = try stack.send(
            "PUT", "/echo", headers: [HTTPHeader(name: "Content-Type", value: "application/octet-stream")], body: bytes)
        #expect(binary.json?["event"]?["isBase64Encoded"] == true)
        #expect(binary.json?["event"]?["body"]?.stringValue.flatMap(StandardBase64.decode) == bytes)
        let empty = try stack.send("/echo")
        #expect(empty.json?["event"]?["body"] == "")
        #expect(empty.json?["event"]?["isBase64Encoded"] == true)
        #expect(empty.json?["event"]?["headers"]?.objectValue != nil)
    }

    @Test func responsesAreMappedAndErrorsAreThePlatformsJSON() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let cookies = try stack.send("/echo?status=202&setCookie=sid%3Dabc%3B%20Path%3D%2F")
        #expect(cookies.status == 202)
        #expect(cookies.headerValues("Set-Cookie") == ["sid=abc; Path=/", "second=2; Path=/"])
        #expect(cookies.header("X-Set-Cookie") == nil)

        let thrown = try stack.send("/throws")
        #expect(thrown.status == 502)
        #expect(thrown.header("X-Function-Error") == "true")
        #expect(thrown.json?["errorType"] == "PaymentDeclined")
        #expect(thrown.json?["errorMessage"] == "card declined")
        #expect(thrown.json?["stackTrace"]?.arrayValue != nil)

        for kind in ["status", "base64", "header", "injection", "via"] {
            let malformed = try stack.send("/malformed?kind=\(kind)")
            #expect(malformed.status == 502, "\(kind)")
            #expect(malformed.json?["errorType"] == "ProxyIntegrationError", "\(kind)")
            #expect(malformed.json?["payload"]?.stringValue != nil, "\(kind)")
            #expect(malformed.header("Set-Cookie") == nil, "\(kind): no header injection")
        }
        #expect(try stack.send("/malformed?kind=none").status == 200)

        let preflight = try stack.send("OPTIONS", "/echo")
        #expect(preflight.json?["event"]?["httpMethod"] == "OPTIONS", "OPTIONS reaches the function")
    }

    @Test func bodiesOverThePlatformLimitGet413JSON() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let tooBigForNginx = try stack.send(
            "POST", "/echo", headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
            body: [UInt8](repeating: UInt8(ascii: "a"), count: 4_000_000))
        #expect(tooBigForNginx.status == 413)
        #expect(tooBigForNginx.json?["errorType"] == "PayloadTooLarge")
        // 3 MB of binary is 4 MB of base64 in the event: over 3.5 MB, so the host refuses it.
        let tooBigAsEvent = try stack.send(
            "POST", "/echo", headers: [HTTPHeader(name: "Content-Type", value: "image/png")],
            body: [UInt8](repeating: 7, count: 3_000_000))
        #expect(tooBigAsEvent.status == 413)
        #expect(tooBigAsEvent.json?["errorType"] == "PayloadTooLarge")
        #expect(try stack.send("/echo").status == 200, "the worker serves on afterwards")
    }
}
