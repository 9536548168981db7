import FnhostTestSupport
import HTTPClient
import Testing

/// What reaches a real server: methods, request headers and bodies.
@Suite struct HTTPClientRequestTests {
    @Test func getSendsMethodTargetAndNoBody() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(url: server.url("/echo?x=1&y=two")))
        #expect(response.status == 200)
        let echo = try response.echo()
        #expect(echo.method == "GET")
        #expect(echo.target == "/echo?x=1&y=two")
        #expect(echo.body.isEmpty)
        #expect(echo.values("Content-Length").isEmpty)
        #expect(echo.values("Content-Type").isEmpty)
        #expect(echo.values("Host") == ["127.0.0.1:\(server.port)"])
    }

    @Test(arguments: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PURGE", "PROPFIND"])
    func everyMethodArrivesWithItsBody(method: String) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let body = Array("payload for \(method)".utf8)
        let response = try client.send(HTTPClientRequest(method: method, url: server.url("/echo"), body: body))
        let echo = try response.echo()
        #expect(echo.method == method)
        #expect(echo.body == body)
        #expect(echo.values("Content-Length") == ["\(body.count)"])
    }

    @Test(arguments: ["DELETE", "OPTIONS", "PURGE"])
    func methodsWithoutBodySendNoContentLength(method: String) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let echo = try client.send(HTTPClientRequest(method: method, url: server.url("/echo"))).echo()
        #expect(echo.method == method)
        #expect(echo.body.isEmpty)
        #expect(echo.values("Content-Length").isEmpty)
    }

    @Test(arguments: ["POST", "PUT", "PATCH"])
    func emptyBodyMethodsSendContentLengthZero(method: String) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let echo = try client.send(HTTPClientRequest(method: method, url: server.url("/echo"))).echo()
        #expect(echo.method == method)
        #expect(echo.values("Content-Length") == ["0"])
        #expect(echo.values("Content-Type").isEmpty)
    }

    @Test func headGetsHeadersButNoBody() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(method: "HEAD", url: server.url("/bytes?n=5000")))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.header("Content-Length") == "5000")
    }

    @Test func requestHeadersArriveInOrderWithRepeatsAndEmptyValues() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let headers = [
            HTTPHeader(name: "X-First", value: "1"),
            HTTPHeader(name: "X-Repeat", value: "a"),
            HTTPHeader(name: "X-Repeat", value: "b"),
            HTTPHeader(name: "X-Empty", value: ""),
            HTTPHeader(name: "Authorization", value: "Bearer t0ken with spaces"),
        ]
        let echo = try client.send(HTTPClientRequest(url: server.url("/echo"), headers: headers)).echo()
        #expect(echo.values("X-First") == ["1"])
        #expect(echo.values("X-Repeat") == ["a", "b"])
        #expect(echo.values("X-Empty") == [""])
        #expect(echo.values("Authorization") == ["Bearer t0ken with spaces"])
        let names = echo.headers.compactMap(\.first)
        let firstIndex = try #require(names.firstIndex(of: "X-First"))
        let repeatIndex = try #require(names.firstIndex(of: "X-Repeat"))
        #expect(firstIndex < repeatIndex)
    }

    @Test func largeBodyHasNoExpectAndNoInventedContentType() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        // Past libcurl's 1 MiB threshold for adding "Expect: 100-continue" to a body.
        let body = TestRoutes.pattern(count: 1_500_000)
        let echo = try client.send(HTTPClientRequest(method: "POST", url: server.url("/echo"), body: body)).echo()
        #expect(echo.body == body)
        #expect(echo.values("Expect").isEmpty)
        #expect(echo.values("Content-Type").isEmpty)
    }

    @Test func callerContentTypeIsKept() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let request = HTTPClientRequest(
            method: "POST", url: server.url("/echo"),
            headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: "{\"a\":1}")
        let echo = try client.send(request).echo()
        #expect(echo.values("Content-Type") == ["application/json"])
        #expect(echo.body == Array("{\"a\":1}".utf8))
    }

    @Test func binaryBodyWithNulBytesArrivesWhole() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let body: [UInt8] = [0, 1, 0, 255, 13, 10, 0, 128, 0]
        let echo = try client.send(HTTPClientRequest(method: "PUT", url: server.url("/echo"), body: body)).echo()
        #expect(echo.body == body)
        #expect(echo.values("Content-Length") == ["9"])
    }
}
