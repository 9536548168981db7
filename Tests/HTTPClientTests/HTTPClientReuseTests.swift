import FnhostTestSupport
import HTTPClient
import Testing

/// One handle, many requests: the connection is kept and no option leaks between requests.
@Suite struct HTTPClientReuseTests {
    @Test func manyRequestsShareOneConnection() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "PURGE"]
        for index in 0..<70 {
            let method = methods[index % methods.count]
            let body = method == "HEAD" || method == "GET" ? [] : Array("body \(index)".utf8)
            let response = try client.send(
                HTTPClientRequest(method: method, url: server.url("/echo?i=\(index)"), body: body))
            #expect(response.status == 200)
            if method != "HEAD" {
                let echo = try response.echo()
                #expect(echo.method == method)
                #expect(echo.target == "/echo?i=\(index)")
                #expect(echo.body == body)
            }
        }
        #expect(server.acceptedConnections == 1)
    }

    @Test func methodBodyAndHeadersDoNotLeakIntoTheNextRequest() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        _ = try client.send(
            HTTPClientRequest(
                method: "PURGE", url: server.url("/echo"),
                headers: [HTTPHeader(name: "X-Once", value: "1")], body: "first"))
        let afterCustom = try client.send(HTTPClientRequest(url: server.url("/echo"))).echo()
        #expect(afterCustom.method == "GET")
        #expect(afterCustom.body.isEmpty)
        #expect(afterCustom.values("X-Once").isEmpty)
        #expect(afterCustom.values("Content-Length").isEmpty)

        _ = try client.send(HTTPClientRequest(method: "HEAD", url: server.url("/echo")))
        let afterHead = try client.send(HTTPClientRequest(url: server.url("/bytes?n=10")))
        #expect(afterHead.body == TestRoutes.pattern(count: 10))

        _ = try client.send(HTTPClientRequest(url: server.url("/bytes?n=100"), maxResponseBytes: 100))
        let afterCap = try client.send(HTTPClientRequest(url: server.url("/bytes?n=1000")))
        #expect(afterCap.body.count == 1000)
    }

    @Test func responseHeadersBelongToTheirOwnRequest() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let first = try client.send(HTTPClientRequest(url: server.url("/repeated")))
        let second = try client.send(HTTPClientRequest(url: server.url("/redirect")))
        #expect(first.headerValues("Set-Cookie") == ["a=1", "b=2"])
        #expect(second.headerValues("Set-Cookie").isEmpty)
        #expect(second.header("Location") == "/echo?from=redirect")
    }

    @Test func newConnectionAfterTheServerDroppedOne() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        // On a fresh connection a hang-up fails at once.
        #expect(client.failure(of: HTTPClientRequest(url: server.url("/hangup")))?.code == .connectionLost)
        #expect(server.acceptedConnections == 1)
        _ = try client.send(HTTPClientRequest(url: server.url("/echo")))
        _ = try client.send(HTTPClientRequest(url: server.url("/echo")))
        #expect(server.acceptedConnections == 2)

        // On a reused connection libcurl cannot tell a hang-up from a stale keep-alive
        // connection, so it retries once on a fresh one (documented on HTTPClient).
        #expect(client.failure(of: HTTPClientRequest(url: server.url("/hangup")))?.code == .connectionLost)
        #expect(server.acceptedConnections == 3)
        _ = try client.send(HTTPClientRequest(url: server.url("/echo")))
        #expect(server.acceptedConnections == 4)

        // The same goes for a POST: the server may see a non-idempotent request twice.
        let post = HTTPClientRequest(method: "POST", url: server.url("/hangup"), body: "once?")
        #expect(client.failure(of: post)?.code == .connectionLost)
        #expect(server.acceptedConnections == 5)
    }

    @Test func separateClientsInConcurrentTasks() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }

        // One client per worker, as documented: each task creates and keeps its own.
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    let client = try HTTPClient()
                    var ok = 0
                    for index in 0..<10 {
                        let body = Array("w\(worker) r\(index)".utf8)
                        let echo = try client.send(
                            HTTPClientRequest(method: "POST", url: server.url("/echo"), body: body)
                        ).echo()
                        if echo.body == body { ok += 1 }
                    }
                    return ok
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(results == 40)
        #expect(server.acceptedConnections == 4)
    }
}
