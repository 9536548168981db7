import FnhostTestSupport
import HTTPClient
import Testing

/// What comes back from a real server: statuses, headers, redirects, bodies.
@Suite struct HTTPClientResponseTests {
    @Test func repeatedResponseHeadersAreKeptInOrder() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(url: server.url("/repeated")))
        #expect(response.status == 200)
        #expect(response.bodyText == "ok")
        let pairs = response.headers.map { "\($0.name)=\($0.value)" }
        #expect(pairs == ["Set-Cookie=a=1", "X-Trace=one", "Set-Cookie=b=2", "x-trace=two", "Content-Length=2"])
        #expect(response.headerValues("set-cookie") == ["a=1", "b=2"])
        #expect(response.header("X-TRACE") == "two")  // case-insensitive, last value
        #expect(response.header("X-Missing") == nil)
    }

    @Test func redirectIsNotFollowed() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(method: "POST", url: server.url("/redirect"), body: "x"))
        #expect(response.status == 302)
        #expect(response.header("Location") == "/echo?from=redirect")
        #expect(response.body.isEmpty)
    }

    @Test func interimResponseHeadersAreDropped() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(url: server.url("/interim")))
        #expect(response.status == 200)
        #expect(response.bodyText == "final")
        #expect(response.header("X-Final") == "yes")
        #expect(response.header("X-Interim") == nil)
        #expect(response.header("Link") == nil)
    }

    @Test func foldedHeaderValueIsJoined() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(url: server.url("/folded")))
        #expect(response.header("X-Folded") == "first second")
    }

    @Test(arguments: [204, 301, 404, 418, 500, 503])
    func anyStatusIsAResponseNotAnError(code: Int) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(url: server.url("/status?code=\(code)")))
        #expect(response.status == code)
        if code != 204 {
            #expect(response.bodyText == "status \(code)")
        }
    }

    @Test(arguments: ["/bytes", "/chunked"])
    func bigBodyArrivesExactly(path: String) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let size = 3 * 1024 * 1024 + 17
        let response = try client.send(HTTPClientRequest(url: server.url("\(path)?n=\(size)")))
        #expect(response.status == 200)
        #expect(response.body.count == size)
        #expect(response.body == TestRoutes.pattern(count: size))
    }

    @Test(arguments: ["/bytes", "/chunked"])
    func bodyExactlyAtTheLimitIsAccepted(path: String) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let request = HTTPClientRequest(url: server.url("\(path)?n=4096"), maxResponseBytes: 4096)
        #expect(try client.send(request).body.count == 4096)
    }

    @Test func notFoundRouteIs404() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let response = try client.send(HTTPClientRequest(url: server.url("/nowhere")))
        #expect(response.status == 404)
        #expect(response.bodyText == "no route")
    }
}
