import FnhostTestSupport
import Glibc
import Testing
@testable import ReplicateStandIn

@Suite("HTTP/1.1 connection handling")
struct HTTPConnectionTests {
    @Test("several requests on one keep-alive connection")
    func keepAlive() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        let created = try connection.request("POST", "/v1/predictions", headers: StandInHarness.auth,
                                             body: StandInHarness.createBody())
        #expect(created.status == 201)
        #expect(created.header("Connection") == "keep-alive")
        let id = try #require(try created.json()["id"]?.stringValue)
        for _ in 0..<5 {
            let got = try connection.request("GET", "/v1/predictions/\(id)", headers: StandInHarness.auth)
            #expect(got.status == 200)
        }
        let png = try connection.request("GET", "/files/\(id).png")
        #expect(png.status == 200)
        #expect(try connection.request("GET", "/nope").status == 404)
        #expect(try connection.request("GET", "/_standin/health").status == 200)
        #expect(try standIn.calls().count == 7)  // create, 5 GETs, the file; /nope and admin are not logged
    }

    @Test("pipelined requests in one write are answered in order")
    func pipelined() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        try connection.sendRaw(RawHTTPConnection.requestBytes("GET", "/_standin/health")
            + RawHTTPConnection.requestBytes("GET", "/nope")
            + RawHTTPConnection.requestBytes("GET", "/_standin/faults"))
        #expect(try connection.readResponse().status == 200)
        #expect(try connection.readResponse().status == 404)
        #expect(try connection.readResponse().json()["create429"] == .number(0))
    }

    @Test("Connection: close is honoured: the answer says close and the server closes")
    func connectionClose() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        let response = try connection.request("GET", "/_standin/health", headers: [("Connection", "close")])
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(try connection.peerClosed())
    }

    @Test("HTTP/1.0 without keep-alive is closed after one answer")
    func http10() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        try connection.sendRaw(Array("GET /_standin/health HTTP/1.0\r\n\r\n".utf8))
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(try connection.peerClosed())
    }

    @Test("a chunked body is refused with 411 and the connection closed")
    func chunkedRefused() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        try connection.sendRaw(Array(("POST /v1/predictions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").utf8))
        let response = try connection.readResponse()
        #expect(response.status == 411)
        #expect(response.header("Connection") == "close")
        #expect(try connection.peerClosed())
    }

    @Test("garbage is a 400 and a close")
    func garbage() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        try connection.sendRaw(Array("HELLO\r\n\r\n".utf8))
        #expect(try connection.readResponse().status == 400)
        #expect(try connection.peerClosed())
    }

    @Test("Expect: 100-continue gets an interim answer before the body is sent")
    func expectContinue() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        let body = StandInHarness.createBody()
        try connection.sendRaw(Array(("POST /v1/predictions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n"
            + "Expect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n").utf8))
        // readResponse skips 1xx, so read the interim line by hand first.
        var interim = [UInt8](repeating: 0, count: 25)
        let count = interim.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, 25, 0) }
        #expect(count == 25)
        #expect(String(decoding: interim, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        try connection.sendRaw(Array(body.utf8))
        #expect(try connection.readResponse().status == 201)
    }

    @Test("HEAD gets headers with the GET's Content-Length and no body")
    func head() throws {
        let standIn = try StandInHarness()
        let id = try standIn.createID()
        _ = try standIn.get(id)
        let connection = try standIn.connect()
        let head = try connection.request("HEAD", "/files/\(id).png")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 1000)
        #expect(try connection.request("GET", "/_standin/health").status == 200)  // stream still in sync
    }

    @Test("stop() ends idle keep-alive connections and refuses new ones")
    func stopClosesConnections() throws {
        let standIn = try StandInHarness()
        let connection = try standIn.connect()
        #expect(try connection.request("GET", "/_standin/health").status == 200)
        standIn.server.stop()
        #expect(try connection.peerClosed())
        #expect(throws: (any Error).self) { _ = try RawHTTPConnection(port: standIn.port) }
    }

    @Test("concurrent clients are served in parallel (a hang does not block others)")
    func concurrentClients() throws {
        let standIn = try StandInHarness()
        let port = standIn.port
        _ = try standIn.createID(input: StandInHarness.input(extra: ",\"__fault\":{\"hangMs\":800}"))
        let start = ContinuousClock.now
        // The hung create above already returned; hang a new one on a background thread.
        try ThreadLauncher.detach {
            _ = try? RawHTTPConnection(port: port).request(
                "POST", "/v1/predictions", headers: StandInHarness.auth,
                body: StandInHarness.createBody(input: StandInHarness.input(extra: ",\"__fault\":{\"hangMs\":800}")))
        }
        // The second create is held once the stand-in has logged it.
        #expect(try poll(within: 2, every: 0.01) { try standIn.calls().filter { $0["kind"]?.stringValue == "create" }.count == 2 })
        #expect(try standIn.request("GET", "/_standin/health", headers: []).status == 200)
        #expect(ContinuousClock.now - start < .milliseconds(600))
    }
}
