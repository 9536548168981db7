import Foundation
import Testing

@testable import FunctionRuntime

/// A mapped response, or the contract violation it produced.
func mapResponse(_ response: Response, options: EdgeOptions = .platform) -> Result<HTTPResponseParts, RuntimeError> {
    do throws(RuntimeError) {
        return .success(try ResponseMapper(options: options).map(response))
    } catch {
        return .failure(error)
    }
}

func mappedError(_ response: Response, options: EdgeOptions = .platform) -> RuntimeError? {
    if case .failure(let error) = mapResponse(response, options: options) { return error }
    return nil
}

/// The handler response -> client response rules of §2 and §4.
@Suite struct ResponseMapperTests {
    @Test func defaultResponseIs200WithNothingElse() throws {
        let parts = try mapResponse(Response()).get()
        #expect(parts == HTTPResponseParts(status: 200, headers: [], body: []))
    }

    @Test func theSpecExampleGives202TwoSetCookieLinesAndNoOldCookie() throws {
        let response = Response(
            statusCode: 202,
            headers: [
                "Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "X-Set-Cookie": "old=1",
            ],
            multiValueHeaders: ["X-Set-Cookie": ["sid=abc; Path=/; HttpOnly; Secure; SameSite=None", "theme=dark; Path=/"]],
            body: #"{"taskId":"t_01","status":"pending"}"#)
        let parts = try mapResponse(response).get()
        #expect(parts.status == 202)
        #expect(
            pairs(parts.headers) == [
                ["Access-Control-Allow-Origin", "*"], ["Content-Type", "application/json"],
                ["Set-Cookie", "sid=abc; Path=/; HttpOnly; Secure; SameSite=None"],
                ["Set-Cookie", "theme=dark; Path=/"],
            ])
        #expect(parts.body == Array(#"{"taskId":"t_01","status":"pending"}"#.utf8))
        #expect(!parts.headers.contains { $0.1 == "old=1" })
    }

    @Test func multiValueHeadersWinOverHeadersCaseInsensitively() throws {
        let response = Response(
            headers: ["content-type": "text/plain", "X-Other": "1"],
            multiValueHeaders: ["Content-Type": ["application/json"]])
        let parts = try mapResponse(response).get()
        #expect(pairs(parts.headers) == [["X-Other", "1"], ["Content-Type", "application/json"]])
    }

    @Test func emptyMultiValueListStillOverridesAndSendsNothing() throws {
        let parts = try mapResponse(Response(headers: ["X-A": "1"], multiValueHeaders: ["x-a": []])).get()
        #expect(parts.headers.isEmpty)
    }

    @Test func headerLinesAreInADeterministicOrder() throws {
        let parts = try mapResponse(
            Response(headers: ["B": "2", "A": "1", "C": "3"], multiValueHeaders: ["Z": ["1", "2"], "Y": ["0"]])
        ).get()
        #expect(pairs(parts.headers) == [["A", "1"], ["B", "2"], ["C", "3"], ["Y", "0"], ["Z", "1"], ["Z", "2"]])
    }

    // MARK: Cookies

    @Test(arguments: ["X-Set-Cookie", "x-set-cookie", "X-SET-COOKIE"])
    func xSetCookieBecomesSetCookie(name: String) throws {
        let parts = try mapResponse(Response(headers: [name: "a=1; Path=/"])).get()
        #expect(pairs(parts.headers) == [["Set-Cookie", "a=1; Path=/"]])
    }

    @Test func xSetCookieStaysWhenRewritesAreOff() throws {
        let options = EdgeOptions(rewriteAuthorizationAndCookies: false, dropCookieDomain: true)
        let parts = try mapResponse(
            Response(multiValueHeaders: ["X-Set-Cookie": ["a=1; Domain=.poehali.dev"]]), options: options
        ).get()
        #expect(pairs(parts.headers) == [["X-Set-Cookie", "a=1; Domain=.poehali.dev"]])
    }

    @Test func cookieDomainIsKeptByDefault() throws {
        let parts = try mapResponse(Response(headers: ["X-Set-Cookie": "a=1; Domain=.poehali.dev; Path=/"])).get()
        #expect(parts.header("Set-Cookie") == "a=1; Domain=.poehali.dev; Path=/")
    }

    @Test(arguments: [
        ("sid=abc; Domain=.poehali.dev; Path=/", "sid=abc; Path=/"),
        ("sid=abc; Path=/; domain=poehali.dev", "sid=abc; Path=/"),
        ("a=1;DOMAIN=.x.com;HttpOnly", "a=1;HttpOnly"),
        ("a=1; Path=/", "a=1; Path=/"),
        ("a=1", "a=1"),
    ])
    func dropCookieDomainRemovesOnlyTheDomainAttribute(cookie: String, expected: String) throws {
        let options = EdgeOptions(dropCookieDomain: true)
        let parts = try mapResponse(
            Response(multiValueHeaders: ["X-Set-Cookie": [cookie, "b=2; Domain=.poehali.dev"]]), options: options
        ).get()
        #expect(pairs(parts.headers) == [["Set-Cookie", expected], ["Set-Cookie", "b=2"]])
    }

    /// A cookie *named* `domain` is the cookie itself, not an attribute: it must survive.
    @Test func dropCookieDomainKeepsACookieNamedDomain() throws {
        let options = EdgeOptions(dropCookieDomain: true)
        let parts = try mapResponse(
            Response(headers: ["X-Set-Cookie": "domain=example; Domain=.poehali.dev; Path=/"]), options: options
        ).get()
        #expect(parts.header("Set-Cookie") == "domain=example; Path=/")
    }

    // MARK: Edge header rules

    @Test(arguments: [
        "Host", "Authorization", "User-Agent", "Connection", "Max-Forwards", "Cookie", "Status", "Content-Length",
        "host", "STATUS", "content-length", "X-Accel-Redirect", "x-accel-buffering", "X-Accel-Expires",
    ])
    func removedHeadersAreDropped(name: String) throws {
        let parts = try mapResponse(Response(headers: [name: "v", "X-Keep": "k"])).get()
        #expect(pairs(parts.headers) == [["X-Keep", "k"]])
        let multi = try mapResponse(Response(multiValueHeaders: [name: ["v", "w"]])).get()
        #expect(multi.headers.isEmpty)
    }

    @Test(arguments: ["Via", "via", "Transfer-Encoding", "Proxy-Authenticate", "TRANSFER-ENCODING"])
    func rejectedHeadersMakeTheResponseMalformed(name: String) throws {
        for response in [Response(headers: [name: "x"]), Response(multiValueHeaders: [name: ["x"]])] {
            let error = try #require(mappedError(response))
            #expect(error.code == .malformedResponse)
            #expect(error.httpStatus == 502)
            #expect(error.message.hasPrefix("Malformed serverless function response:"))
            #expect(error.message.contains(HeaderName.canonical(name)))
        }
    }

    @Test(arguments: [
        ("Date", "X-Yf-Remapped-Date"), ("date", "X-Yf-Remapped-Date"), ("Server", "X-Yf-Remapped-Server"),
        ("Content-MD5", "X-Yf-Remapped-Content-Md5"), ("WWW-Authenticate", "X-Yf-Remapped-Www-Authenticate"),
    ])
    func remappedHeadersGetThePrefix(name: String, remapped: String) throws {
        let parts = try mapResponse(Response(headers: [name: "Wed, 01 Jan 2025 12:00:00 GMT"])).get()
        #expect(pairs(parts.headers) == [[remapped, "Wed, 01 Jan 2025 12:00:00 GMT"]])
    }

    @Test(arguments: ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\u{0}b", "\n"])
    func lineBreaksInValuesAreMalformed(value: String) throws {
        for response in [Response(headers: ["X-A": value]), Response(multiValueHeaders: ["X-A": ["ok", value]])] {
            let error = try #require(mappedError(response))
            #expect(error.code == .malformedResponse)
        }
    }

    @Test(arguments: ["", "Bad Header", "X:Y", "Ключ", "X\tY", "(x)", "a/b", "x@y", "X-A\r\n", "a=b", "{}"])
    func invalidHeaderNamesAreMalformed(name: String) throws {
        let error = try #require(mappedError(Response(headers: [name: "v"])))
        #expect(error.code == .malformedResponse)
        #expect(error.httpStatus == 502)
    }

    @Test(arguments: ["X-Custom_1", "x.y", "A!#$%&'*+-.^_`|~", "123", "content-type"])
    func tokenHeaderNamesAreAccepted(name: String) throws {
        let parts = try mapResponse(Response(headers: [name: "v"])).get()
        #expect(pairs(parts.headers) == [[name, "v"]])
    }

    @Test func valuesWithTabsAndNonASCIIAreKept() throws {
        let parts = try mapResponse(Response(headers: ["X-A": "a\tb", "X-B": "Привет"])).get()
        #expect(pairs(parts.headers) == [["X-A", "a\tb"], ["X-B", "Привет"]])
    }

    // MARK: Body

    @Test(arguments: [
        ("aGVsbG8=", Array("hello".utf8)),
        ("AP+ACg==", [0, 255, 128, 10] as [UInt8]),
        ("aGVs\nbG8=", Array("hello".utf8)),
        ("", [] as [UInt8]),
    ])
    func base64BodyIsDecoded(body: String, bytes: [UInt8]) throws {
        let parts = try mapResponse(
            Response(headers: ["Content-Type": "application/octet-stream"], body: body, isBase64Encoded: true)
        ).get()
        #expect(parts.body == bytes)
    }

    @Test func textBodyIsSentAsUTF8() throws {
        let parts = try mapResponse(Response(body: "Привет")).get()
        #expect(parts.body == Array("Привет".utf8))
    }

    @Test(arguments: ["a", "aGVsbG8", "====="])
    func invalidBase64IsMalformed(body: String) throws {
        let error = try #require(mappedError(Response(body: body, isBase64Encoded: true)))
        #expect(error.code == .malformedResponse)
        #expect(error.message.contains("base64"))
    }

    @Test(arguments: [99, 0, -1, 600, 1000, Int.max])
    func statusOutOfRangeIsMalformed(status: Int) throws {
        let error = try #require(mappedError(Response(statusCode: status)))
        #expect(error.code == .malformedResponse)
        #expect(error.message.contains(String(status)))
    }

    @Test(arguments: [100, 200, 204, 302, 418, 599])
    func statusInRangeIsKept(status: Int) throws {
        #expect(try mapResponse(Response(statusCode: status)).get().status == status)
    }

    /// The mapper does not size responses: the limit is on the handler's JSON, which
    /// `FunctionInvoker` checks (see its tests).
    @Test func theMapperLeavesSizeToTheInvoker() throws {
        let options = EdgeOptions(maxResponseBytes: 10)
        #expect(try mapResponse(Response(body: "0123456789ABC"), options: options).get().body.count == 13)
    }

    @Test func partsHeaderLookupIsCaseInsensitiveAndTakesTheLast() {
        let parts = HTTPResponseParts(status: 200, headers: [("Set-Cookie", "a"), ("set-cookie", "b")], body: [])
        #expect(parts.header("SET-COOKIE") == "b")
        #expect(parts.header("X-None") == nil)
    }

    @Test func partsEqualityComparesOrderedHeaders() {
        let one = HTTPResponseParts(status: 200, headers: [("A", "1"), ("B", "2")], body: [1])
        #expect(one == HTTPResponseParts(status: 200, headers: [("A", "1"), ("B", "2")], body: [1]))
        #expect(one != HTTPResponseParts(status: 200, headers: [("B", "2"), ("A", "1")], body: [1]))
        #expect(one != HTTPResponseParts(status: 200, headers: [("A", "1")], body: [1]))
        #expect(one != HTTPResponseParts(status: 201, headers: [("A", "1"), ("B", "2")], body: [1]))
        #expect(one != HTTPResponseParts(status: 200, headers: [("A", "1"), ("B", "2")], body: [2]))
    }

    // MARK: Response helpers

    @Test func jsonHelperSetsContentTypeAndKeepsOtherHeaders() {
        let response = Response.json(201, #"{"a":1}"#, headers: ["X-A": "1", "Content-Type": "text/plain"])
        #expect(response.statusCode == 201)
        #expect(response.headers == ["X-A": "1", "Content-Type": "application/json"])
        #expect(response.body == #"{"a":1}"#)
        #expect(!response.isBase64Encoded)
        let fromValue = Response.json(200, ["b": 2, "a": [true, nil]] as JSONValue)
        #expect(fromValue.statusCode == 200)
        #expect(fromValue.body == #"{"a":[true,null],"b":2}"#)
    }

    @Test func binaryHelperRoundTripsThroughTheMapper() throws {
        let bytes: [UInt8] = Array(0...255)
        let response = Response.binary(200, bytes, contentType: "image/png")
        #expect(response.isBase64Encoded)
        let parts = try mapResponse(response).get()
        #expect(parts.body == bytes)
        #expect(pairs(parts.headers) == [["Content-Type", "image/png"]])
    }
}
