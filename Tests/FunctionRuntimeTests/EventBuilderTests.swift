import Foundation
import Testing

@testable import FunctionRuntime

/// The request -> event rules of `docs/edge.md`.
@Suite struct EventBuilderTests {
    // MARK: Header casing and repeated headers

    @Test(arguments: [
        ("x-user-id", "X-User-Id"),
        ("X-USER-ID", "X-User-Id"),
        ("content-type", "Content-Type"),
        ("user-agent", "User-Agent"),
        ("x-auth-token", "X-Auth-Token"),
        ("ORIGIN", "Origin"),
        ("x-admin-key", "X-Admin-Key"),
    ])
    func headerNamesArriveInCanonicalCasing(sent: String, canonical: String) throws {
        let event = try buildEvent(makeRequest(headers: [(sent, "v1")]))
        #expect(event.headers[canonical] == "v1")
        #expect(event.multiValueHeaders[canonical] == ["v1"])
        if sent != canonical {
            #expect(event.headers[sent] == nil)
            #expect(event.multiValueHeaders[sent] == nil)
        }
    }

    @Test func repeatedHeaderKeepsLastInHeadersAndAllInOrderInMultiValueHeaders() throws {
        let event = try buildEvent(
            makeRequest(headers: [("X-Tag", "a"), ("x-tag", "b"), ("Accept", "text/html"), ("X-TAG", "c")]))
        #expect(event.headers["X-Tag"] == "c")
        #expect(event.multiValueHeaders["X-Tag"] == ["a", "b", "c"])
        #expect(event.headers["Accept"] == "text/html")
        #expect(event.multiValueHeaders["Accept"] == ["text/html"])
    }

    @Test func headersAndMultiValueHeadersHaveTheSameKeysAndLastValues() throws {
        let event = try buildEvent(
            makeRequest(
                method: "POST",
                headers: [
                    ("Content-Type", "application/json"), ("x-user-id", "42"), ("X-User-Id", "43"),
                    ("Authorization", "Bearer t"), ("Cookie", "a=1"), ("X-Forwarded-For", "10.0.0.1"),
                ],
                body: Array(#"{"a":1}"#.utf8)))
        #expect(Set(event.headers.keys) == Set(event.multiValueHeaders.keys))
        for (name, value) in event.headers {
            #expect(event.multiValueHeaders[name]?.last == value, "header \(name)")
        }
        #expect(event.multiValueHeaders["X-User-Id"] == ["42", "43"])
    }

    @Test func theSpecExampleEventIsReproduced() throws {
        let body = Array(#"{"personImage":"https://example.com/p.jpg"}"#.utf8)
        let request = makeRequest(
            method: "POST", query: "action=start&tag=a&tag=b",
            headers: [
                ("Content-Type", "application/json"), ("Content-Length", "43"),
                ("Host", "functions.yandexcloud.net"), ("X-User-Id", "42"), ("User-Agent", "curl/8.5.0"),
            ],
            body: body)
        let event = try buildEvent(request)
        let expectedHeaders: [String: String] = [
            "Content-Type": "application/json", "Content-Length": "43", "Host": "functions.yandexcloud.net",
            "X-User-Id": "42", "User-Agent": "curl/8.5.0", "X-Forwarded-For": "203.0.113.7",
            "X-Real-Remote-Address": "[203.0.113.7]:51544", "X-Request-Id": exampleRequestId,
            "X-Trace-Id": exampleTraceId, "X-Real-Ip": "203.0.113.7",
        ]
        #expect(event.headers == expectedHeaders)
        #expect(event.multiValueHeaders == expectedHeaders.mapValues { [$0] })
        #expect(event.queryStringParameters == ["action": "start", "tag": "b"])
        #expect(event.multiValueQueryStringParameters == ["action": ["start"], "tag": ["a", "b"]])
        #expect(event.httpMethod == "POST")
        #expect(event.body == #"{"personImage":"https://example.com/p.jpg"}"#)
        #expect(event.isBase64Encoded == false)
        #expect(
            event.requestContext
                == RequestContext(
                    identity: .init(sourceIp: "203.0.113.7", userAgent: "curl/8.5.0"), httpMethod: "POST",
                    requestId: exampleRequestId, requestTime: "01/Jan/2025:12:00:00 +0000",
                    requestTimeEpoch: 1_735_732_800))
        #expect(event.url == "" && event.path == "")
        #expect(event.params.isEmpty && event.multiValueParams.isEmpty && event.pathParams.isEmpty)
    }

    // MARK: Query

    @Test func repeatedQueryParametersFollowTheDocumentedExample() throws {
        let event = try buildEvent(makeRequest(query: "a=1&a=2&b=1"))
        #expect(event.queryStringParameters == ["a": "2", "b": "1"])
        #expect(event.multiValueQueryStringParameters == ["a": ["1", "2"], "b": ["1"]])
    }

    @Test(arguments: [
        ("flag", ["flag": ""], ["flag": [""]]),
        ("flag&x=1", ["flag": "", "x": "1"], ["flag": [""], "x": ["1"]]),
        ("q=hello%20world", ["q": "hello world"], ["q": ["hello world"]]),
        ("q=a+b", ["q": "a b"], ["q": ["a b"]]),
        ("name=%D0%98%D0%B2%D0%B0%D0%BD", ["name": "Иван"], ["name": ["Иван"]]),
        ("%61%62=%3D%26", ["ab": "=&"], ["ab": ["=&"]]),
        ("x=1=2", ["x": "1=2"], ["x": ["1=2"]]),
        ("&&a=1&", ["a": "1"], ["a": ["1"]]),
        ("empty=", ["empty": ""], ["empty": [""]]),
        ("", [:], [:]),
    ] as [(String, [String: String], [String: [String]])])
    func queryStringIsDecoded(query: String, single: [String: String], multi: [String: [String]]) throws {
        let event = try buildEvent(makeRequest(query: query))
        #expect(event.queryStringParameters == single)
        #expect(event.multiValueQueryStringParameters == multi)
    }

    // MARK: Body

    @Test(arguments: [
        "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "Application/Json;charset=UTF-8",
        " application/json ", "application/json ; charset=utf-8",
    ])
    func jsonBodyArrivesRaw(contentType: String) throws {
        let text = #"{"name":"Ann","city":"Москва"}"#
        let event = try buildEvent(
            makeRequest(method: "POST", headers: [("Content-Type", contentType)], body: Array(text.utf8)))
        #expect(event.body == text)
        #expect(event.isBase64Encoded == false)
        #expect(event.bodyBytes == Array(text.utf8))
    }

    /// The input the event-builder fuzzer found after the strict-UTF-8 change (its old invariant said a
    /// JSON content type always means a text body): bytes that are not UTF-8 arrive base64, unchanged.
    @Test func jsonBodyThatIsNotUTF8ArrivesAsBase64Unchanged() throws {
        let body = Array(#"{"a":"\u0001","c":"при"}"#.utf8) + [0xFF]
        let event = try buildEvent(
            makeRequest(method: "POST", headers: [("Content-Type", "Application/JSON")], body: body))
        #expect(event.isBase64Encoded)
        #expect(event.bodyBytes == body)
    }

    @Test(arguments: [
        "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=xyz",
        "application/octet-stream", "application/problem+json", "text/json", "application/jsonp", "",
    ])
    func nonJSONBodyArrivesBase64(contentType: String) throws {
        let bytes = Array("name=Ann&city=Paris".utf8)
        let event = try buildEvent(
            makeRequest(method: "POST", headers: [("Content-Type", contentType)], body: bytes))
        #expect(event.body == "bmFtZT1Bbm4mY2l0eT1QYXJpcw==")
        #expect(event.isBase64Encoded == true)
        #expect(event.bodyBytes == bytes)
    }

    @Test func bodyWithoutContentTypeArrivesBase64() throws {
        let event = try buildEvent(makeRequest(method: "PUT", body: Array("hello".utf8)))
        #expect(event.body == "aGVsbG8=")
        #expect(event.isBase64Encoded == true)
    }

    @Test func binaryBytesArriveBase64Exactly() throws {
        let bytes: [UInt8] = [0, 255, 128, 10]
        let event = try buildEvent(
            makeRequest(method: "POST", headers: [("Content-Type", "application/octet-stream")], body: bytes))
        #expect(event.body == "AP+ACg==")
        #expect(event.isBase64Encoded)
        #expect(event.bodyBytes == bytes)
    }

    @Test func getWithoutBodyHasEmptyBodyFlaggedBase64() throws {
        let event = try buildEvent(makeRequest(method: "get"))
        #expect(event.httpMethod == "GET")
        #expect(event.body == "")
        #expect(event.isBase64Encoded == true)
    }

    @Test func emptyJSONBodyIsEmptyAndNotBase64() throws {
        let event = try buildEvent(makeRequest(method: "POST", headers: [("Content-Type", "application/json")]))
        #expect(event.body == "")
        #expect(event.isBase64Encoded == false)
    }

    // MARK: Encoded shape

    @Test func emptyMapsEncodeAsObjectsNeverNull() throws {
        let options = EdgeOptions(addGatewayHeaders: false)
        let event = try buildEvent(makeRequest(), options: options)
        let text = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
        for fragment in [
            #""headers":{}"#, #""multiValueHeaders":{}"#, #""queryStringParameters":{}"#,
            #""multiValueQueryStringParameters":{}"#, #""params":{}"#, #""multiValueParams":{}"#,
            #""pathParams":{}"#, #""url":"""#, #""path":"""#, #""body":"""#, #""isBase64Encoded":true"#,
        ] {
            #expect(text.contains(fragment), "missing \(fragment) in \(text)")
        }
        #expect(!text.contains("null"))
    }

    @Test func encodedEventHasExactlyTheThirteenTopLevelKeys() throws {
        let event = try buildEvent(makeRequest(query: "a=1"))
        let object = try jsonObject(try jsonText(event))
        #expect(
            Set(object.keys) == [
                "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
                "multiValueQueryStringParameters", "requestContext", "body", "isBase64Encoded", "url", "path",
                "params", "multiValueParams", "pathParams",
            ])
        let context = try #require(object["requestContext"]?.objectValue)
        #expect(Set(context.keys) == ["identity", "httpMethod", "requestId", "requestTime", "requestTimeEpoch"])
        #expect(context["identity"]?.objectValue.map { Set($0.keys) } == ["sourceIp", "userAgent"])
    }

    @Test func requestTimeEpochEncodesAsAnInteger() throws {
        let event = try buildEvent(makeRequest(receivedAtMilliseconds: 1_735_732_800_999))
        let text = try jsonText(event)
        #expect(text.contains(#""requestTimeEpoch":1735732800"#))
        #expect(!text.contains("1735732800."))
        #expect(!text.contains("1735732800999"))
    }

    // MARK: requestContext

    @Test func requestContextCarriesClientMethodIdAndTime() throws {
        let request = makeRequest(
            method: "delete", headers: [("user-agent", "Mozilla/5.0"), ("X-Request-Id", "spoofed")],
            remoteAddress: "198.51.100.23", receivedAtMilliseconds: 1_735_732_800_750)
        let event = try buildEvent(request)
        let context = event.requestContext
        #expect(context.identity.sourceIp == "198.51.100.23")
        #expect(context.identity.userAgent == "Mozilla/5.0")
        #expect(context.httpMethod == "DELETE")
        #expect(context.requestId == exampleRequestId)
        #expect(context.requestId == event.headers["X-Request-Id"])
        #expect(event.multiValueHeaders["X-Request-Id"] == [exampleRequestId])
        #expect(context.requestTime == "01/Jan/2025:12:00:00 +0000")
        #expect(context.requestTimeEpoch == 1_735_732_800)
    }

    @Test func userAgentIsEmptyWhenAbsent() throws {
        let event = try buildEvent(makeRequest())
        #expect(event.requestContext.identity.userAgent == "")
    }

    @Test(arguments: [
        (Int64(0), "01/Jan/1970:00:00:00 +0000", 0),
        (Int64(951_782_400_000), "29/Feb/2000:00:00:00 +0000", 951_782_400),
        (Int64(1_234_567_890_500), "13/Feb/2009:23:31:30 +0000", 1_234_567_890),
    ])
    func requestTimeIsCommonLogFormat(milliseconds: Int64, clf: String, epoch: Int) throws {
        let event = try buildEvent(makeRequest(receivedAtMilliseconds: milliseconds))
        #expect(event.requestContext.requestTime == clf)
        #expect(event.requestContext.requestTimeEpoch == epoch)
    }

    // MARK: Authorization and Cookie

    @Test func authorizationAndCookieAreRewrittenByDefault() throws {
        let event = try buildEvent(
            makeRequest(headers: [("authorization", "Bearer abc"), ("COOKIE", "sid=1; theme=dark")]))
        #expect(event.headers["X-Authorization"] == "Bearer abc")
        #expect(event.headers["X-Cookie"] == "sid=1; theme=dark")
        #expect(event.headers["Authorization"] == nil)
        #expect(event.headers["Cookie"] == nil)
        #expect(event.header("authorization") == nil)
        #expect(event.multiValueHeaders["Authorization"] == nil)
        #expect(event.multiValueHeaders["X-Authorization"] == ["Bearer abc"])
    }

    @Test func clientSentXTwinsWinOverTheRewrite() throws {
        let event = try buildEvent(
            makeRequest(headers: [
                ("Authorization", "Bearer new"), ("x-authorization", "Bearer old"), ("Cookie", "new=1"),
                ("X-Cookie", "old=1"),
            ]))
        #expect(event.headers["X-Authorization"] == "Bearer old")
        #expect(event.multiValueHeaders["X-Authorization"] == ["Bearer old"])
        #expect(event.headers["X-Cookie"] == "old=1")
        #expect(event.multiValueHeaders["X-Cookie"] == ["old=1"])
        #expect(event.headers["Authorization"] == nil)
        #expect(event.headers["Cookie"] == nil)
    }

    @Test func rewriteOffPassesAuthorizationAndCookieThrough() throws {
        let options = EdgeOptions(rewriteAuthorizationAndCookies: false)
        let event = try buildEvent(
            makeRequest(headers: [("authorization", "Bearer abc"), ("Cookie", "sid=1")]), options: options)
        #expect(event.headers["Authorization"] == "Bearer abc")
        #expect(event.headers["Cookie"] == "sid=1")
        #expect(event.headers["X-Authorization"] == nil)
        #expect(event.headers["X-Cookie"] == nil)
    }

    // MARK: Stripped and gateway headers

    static let strippedNames = [
        "Connection", "Te", "Upgrade", "Expect", "Trailer", "Proxy-Authenticate", "Content-MD5", "Max-Forwards",
        "Server", "Transfer-Encoding", "WWW-Authenticate", "connection", "TE", "upgrade",
    ]

    @Test(arguments: strippedNames, [true, false])
    func hopByHopAndDocumentedHeadersAreStripped(name: String, rewrite: Bool) throws {
        let options = EdgeOptions(rewriteAuthorizationAndCookies: rewrite)
        let event = try buildEvent(makeRequest(headers: [(name, "x"), ("X-Keep", "y")]), options: options)
        #expect(event.header(name) == nil)
        #expect(event.headers[HeaderName.canonical(name)] == nil)
        #expect(!event.multiValueHeaders.keys.contains { $0.lowercased() == name.lowercased() })
        #expect(event.headers["X-Keep"] == "y")
    }

    @Test func originAndHostPassThrough() throws {
        let event = try buildEvent(makeRequest(headers: [("origin", "http://localhost:5173"), ("host", "h:8080")]))
        #expect(event.headers["Origin"] == "http://localhost:5173")
        #expect(event.headers["Host"] == "h:8080")
    }

    @Test func xForwardedForAppendsTheClientToTheClientsList() throws {
        let one = try buildEvent(makeRequest(headers: [("X-Forwarded-For", "198.51.100.1, 198.51.100.2")]))
        #expect(one.headers["X-Forwarded-For"] == "198.51.100.1, 198.51.100.2, 203.0.113.7")
        #expect(one.multiValueHeaders["X-Forwarded-For"] == ["198.51.100.1, 198.51.100.2, 203.0.113.7"])

        let two = try buildEvent(
            makeRequest(headers: [("x-forwarded-for", "198.51.100.1"), ("X-Forwarded-For", "198.51.100.2")]))
        #expect(two.headers["X-Forwarded-For"] == "198.51.100.1, 198.51.100.2, 203.0.113.7")
        #expect(two.multiValueHeaders["X-Forwarded-For"]?.count == 1)

        let none = try buildEvent(makeRequest())
        #expect(none.headers["X-Forwarded-For"] == "203.0.113.7")
    }

    @Test func gatewayHeadersAreAddedAndClientCopiesReplaced() throws {
        let event = try buildEvent(
            makeRequest(
                headers: [
                    ("X-Real-Remote-Address", "[1.2.3.4]:1"), ("X-Trace-Id", "fake"), ("X-Real-IP", "1.2.3.4"),
                    ("X-Request-Id", "fake"),
                ], remoteAddress: "2001:db8::1", remotePort: 443))
        #expect(event.headers["X-Real-Remote-Address"] == "[2001:db8::1]:443")
        #expect(event.multiValueHeaders["X-Real-Remote-Address"] == ["[2001:db8::1]:443"])
        #expect(event.headers["X-Real-Ip"] == "2001:db8::1")
        #expect(event.multiValueHeaders["X-Real-Ip"] == ["2001:db8::1"])
        #expect(event.headers["X-Trace-Id"] == exampleTraceId)
        #expect(event.multiValueHeaders["X-Trace-Id"] == [exampleTraceId])
        #expect(event.headers["X-Request-Id"] == exampleRequestId)
        #expect(event.headers["X-Forwarded-For"] == "2001:db8::1")
    }

    @Test func gatewayHeadersOffLeavesClientHeadersAlone() throws {
        let options = EdgeOptions(addGatewayHeaders: false)
        let event = try buildEvent(
            makeRequest(headers: [("X-Forwarded-For", "10.0.0.1"), ("X-Request-Id", "client-id")]), options: options)
        #expect(event.headers == ["X-Forwarded-For": "10.0.0.1", "X-Request-Id": "client-id"])
        #expect(event.requestContext.requestId == exampleRequestId)
    }

    @Test func contentLengthIsAddedForABodyAndKeptWhenSent() throws {
        let added = try buildEvent(makeRequest(method: "POST", body: Array("12345".utf8)))
        #expect(added.headers["Content-Length"] == "5")
        let kept = try buildEvent(makeRequest(method: "POST", headers: [("content-length", "5")], body: Array("12345".utf8)))
        #expect(kept.multiValueHeaders["Content-Length"] == ["5"])
        let none = try buildEvent(makeRequest())
        #expect(none.headers["Content-Length"] == nil)
    }

    // MARK: Size limit

    @Test func eventOverTheLimitIsPayloadTooLarge() throws {
        let options = EdgeOptions(maxEventBytes: 4096)
        let jsonBody = Array(repeating: UInt8(ascii: "1"), count: 5000)
        let error = runtimeError {
            try EventBuilder(options: options).build(
                makeRequest(method: "POST", headers: [("Content-Type", "application/json")], body: jsonBody))
        }
        #expect(error?.code == .payloadTooLarge)
        #expect(error?.httpStatus == 413)
        #expect(error?.message.contains("4096") == true)
    }

    @Test func base64GrowthCountsTowardsTheLimit() throws {
        let options = EdgeOptions(maxEventBytes: 4096)
        // 2400 raw bytes fit as JSON but their base64 (3200 bytes) plus the rest of the event does not.
        let bytes = Array(repeating: UInt8(ascii: "a"), count: 2400)
        let asJSON = runtimeError {
            try EventBuilder(options: options).build(
                makeRequest(method: "POST", headers: [("Content-Type", "application/json")], body: bytes))
        }
        #expect(asJSON == nil)
        let asBinary = runtimeError {
            try EventBuilder(options: options).build(
                makeRequest(method: "POST", headers: [("Content-Type", "text/plain")], body: bytes))
        }
        #expect(asBinary?.code == .payloadTooLarge)
    }

    @Test func smallEventFitsASmallLimit() throws {
        let options = EdgeOptions(maxEventBytes: 4096)
        let event = try buildEvent(
            makeRequest(method: "POST", headers: [("Content-Type", "application/json")], body: Array("{}".utf8)),
            options: options)
        #expect(event.body == "{}")
    }

    @Test func defaultLimitIsThreePointFiveMegabytes() {
        #expect(EdgeOptions.platform.maxEventBytes == 3_670_016)
        #expect(EdgeOptions.platform.maxResponseBytes == 3_670_016)
        #expect(EdgeOptions.platform.rewriteAuthorizationAndCookies)
        #expect(EdgeOptions.platform.addGatewayHeaders)
        #expect(!EdgeOptions.platform.dropCookieDomain)
    }

    @Test func defaultLimitAcceptsAThreeMegabyteJSONBodyAndRejectsFour() throws {
        let three = Array(repeating: UInt8(ascii: "1"), count: 3_000_000)
        let event = try buildEvent(
            makeRequest(method: "POST", headers: [("Content-Type", "application/json")], body: three))
        #expect(event.body.utf8.count == 3_000_000)
        let four = Array(repeating: UInt8(ascii: "1"), count: 3_700_000)
        let error = runtimeError {
            try EventBuilder().build(
                makeRequest(method: "POST", headers: [("Content-Type", "application/json")], body: four))
        }
        #expect(error?.code == .payloadTooLarge)
    }

    // MARK: isJSONMediaType

    @Test(arguments: [
        ("application/json", true), ("application/json;charset=utf-8", true), ("APPLICATION/JSON", true),
        ("\tapplication/json\t; q=1", true), ("application/jsonx", false), ("application/ json", false),
        ("text/plain", false), ("", false), (";application/json", false),
    ])
    func jsonMediaTypeDetection(contentType: String, isJSON: Bool) {
        #expect(EventBuilder.isJSONMediaType(contentType) == isJSON)
    }

    @Test func missingContentTypeIsNotJSON() {
        #expect(EventBuilder.isJSONMediaType(nil) == false)
    }

    @Test func lastContentTypeDecides() throws {
        let event = try buildEvent(
            makeRequest(
                method: "POST", headers: [("Content-Type", "text/plain"), ("content-type", "application/json")],
                body: Array("{}".utf8)))
        #expect(event.body == "{}")
        #expect(!event.isBase64Encoded)
    }
}
