import FnhostTestSupport
import HTTPClient
import Testing

/// Failures against a real server (or a real absence of one), and their mapping to codes.
@Suite struct HTTPClientErrorTests {
    @Test func slowServerTimesOutQuickly() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let clock = ContinuousClock()
        let start = clock.now
        let error = client.failure(of: HTTPClientRequest(url: server.url("/slow?ms=5000"), timeoutMilliseconds: 300))
        let elapsed = clock.now - start
        #expect(error?.code == .timedOut)
        #expect(error?.curlCode == 28)  // CURLE_OPERATION_TIMEDOUT
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .milliseconds(2_500))
    }

    @Test func refusedConnectionIsCouldNotConnect() throws {
        let port = try LoopbackSocket.freePort()
        let client = try HTTPClient()

        let error = client.failure(of: HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
        #expect(error?.code == .couldNotConnect)
        #expect(error?.curlCode == 7)
    }

    @Test func unknownHostIsCouldNotResolve() throws {
        let client = try HTTPClient()
        // `.invalid` is reserved (RFC 2606): it never resolves.
        let error = client.failure(of: HTTPClientRequest(url: "http://no-such-host.invalid/"))
        #expect(error?.code == .couldNotResolve)
        #expect(error?.curlCode == 6)
    }

    @Test func announcedBodyOverTheCapIsTooLarge() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let error = client.failure(of: HTTPClientRequest(url: server.url("/bytes?n=5000"), maxResponseBytes: 4999))
        #expect(error?.code == .responseTooLarge)
    }

    @Test func streamedBodyOverTheCapIsTooLarge() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        // Chunked: no size announced, so the write callback has to stop it.
        let error = client.failure(of: HTTPClientRequest(url: server.url("/chunked?n=50000"), maxResponseBytes: 4096))
        #expect(error?.code == .responseTooLarge)
        #expect(error?.curlCode == 23)  // CURLE_WRITE_ERROR, caused by our cap
        #expect(error?.message.contains("maxResponseBytes") == true)
    }

    @Test func zeroCapRefusesAnyBody() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let error = client.failure(of: HTTPClientRequest(url: server.url("/chunked?n=1"), maxResponseBytes: 0))
        #expect(error?.code == .responseTooLarge)
        let empty = try client.send(HTTPClientRequest(url: server.url("/bytes?n=0"), maxResponseBytes: 0))
        #expect(empty.status == 200)
    }

    @Test func hangUpWithoutAnswerIsConnectionLost() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let error = client.failure(of: HTTPClientRequest(url: server.url("/hangup")))
        #expect(error?.code == .connectionLost)
        #expect(error?.curlCode == 52)  // CURLE_GOT_NOTHING
    }

    @Test func truncatedBodyIsConnectionLost() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let error = client.failure(of: HTTPClientRequest(url: server.url("/truncated")))
        #expect(error?.code == .connectionLost)
        #expect(error?.curlCode == 18)  // CURLE_PARTIAL_FILE
    }

    @Test(arguments: [
        HTTPClientRequest(method: "GE T", url: "http://127.0.0.1/"),
        HTTPClientRequest(method: "", url: "http://127.0.0.1/"),
        HTTPClientRequest(url: ""),
        HTTPClientRequest(url: "http://127.0.0.1/\u{0}x"),
        HTTPClientRequest(url: "http://127.0.0.1/", headers: [HTTPHeader(name: "X-Bad", value: "a\r\nInjected: 1")]),
        HTTPClientRequest(url: "http://127.0.0.1/", headers: [HTTPHeader(name: "Bad Name", value: "v")]),
        HTTPClientRequest(url: "http://127.0.0.1/", headers: [HTTPHeader(name: "", value: "v")]),
        HTTPClientRequest(method: "HEAD", url: "http://127.0.0.1/", body: [1]),
        HTTPClientRequest(url: "http://127.0.0.1/", connectTimeoutMilliseconds: 0),
        HTTPClientRequest(url: "http://127.0.0.1/", timeoutMilliseconds: -1),
        HTTPClientRequest(url: "http://127.0.0.1/", maxResponseBytes: -1),
        HTTPClientRequest(url: "file:///etc/passwd"),
        HTTPClientRequest(url: "ftp://127.0.0.1/"),
        HTTPClientRequest(url: "http://[::1"),
    ])
    func invalidRequestsNeverReachTheNetwork(request: HTTPClientRequest) throws {
        let client = try HTTPClient()
        let error = client.failure(of: request)
        #expect(error?.code == .invalidRequest, "\(request.method) \(request.url): \(String(describing: error))")
    }

    @Test func descriptionCarriesCodeMessageAndCurlCode() throws {
        let port = try LoopbackSocket.freePort()
        let client = try HTTPClient()
        let error = try #require(client.failure(of: HTTPClientRequest(url: "http://127.0.0.1:\(port)/")))
        #expect(error.description.hasPrefix("HTTPClientError.couldNotConnect: curl_easy_perform: "))
        #expect(error.description.hasSuffix("(CURLcode 7)"))
        #expect(error.message.contains("\(port)"))  // libcurl's error buffer detail came through
    }

    @Test func clientStaysUsableAfterEveryKindOfFailure() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()

        let failures: [(HTTPClientRequest, HTTPClientError.Code)] = [
            (HTTPClientRequest(url: server.url("/slow?ms=3000"), timeoutMilliseconds: 200), .timedOut),
            (HTTPClientRequest(url: server.url("/hangup")), .connectionLost),
            (HTTPClientRequest(url: server.url("/chunked?n=9000"), maxResponseBytes: 10), .responseTooLarge),
            (HTTPClientRequest(method: "BAD METHOD", url: server.url("/echo")), .invalidRequest),
        ]
        for (request, code) in failures {
            #expect(client.failure(of: request)?.code == code)
            let echo = try client.send(HTTPClientRequest(url: server.url("/echo"))).echo()
            #expect(echo.method == "GET")
        }
    }
}
