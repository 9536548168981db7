import FnhostTestSupport
import Foundation
import HTTPClient

/// What `/echo` answers: the request as the server received it.
struct EchoReply: Codable {
    var method: String
    var target: String
    /// `[name, value]` pairs in arrival order.
    var headers: [[String]]
    var bodyBase64: String

    var body: [UInt8] { Array(Data(base64Encoded: bodyBase64) ?? Data()) }

    /// Every value of the request header `name` (case-insensitive).
    func values(_ name: String) -> [String] {
        headers.filter { $0.first?.lowercased() == name.lowercased() }.compactMap { $0.last }
    }
}

/// The scripted routes of ``TestHTTPServer``.
///
/// | path | answer |
/// |---|---|
/// | `/echo` | 200, JSON ``EchoReply`` of the request (any method; HEAD gets headers only) |
/// | `/redirect` | 302 with `Location: /echo?from=redirect` |
/// | `/repeated` | 200 with two `Set-Cookie` and two `X-Trace` headers |
/// | `/interim` | a `103 Early Hints` with its own headers, then the final 200 |
/// | `/folded` | 200 with an obsolete folded header value |
/// | `/bytes?n=N` | 200, N bytes (`Content-Length` announced) |
/// | `/chunked?n=N` | 200, N bytes in 1000-byte chunks (size not announced) |
/// | `/slow?ms=N` | 200 after N milliseconds |
/// | `/status?code=N` | status N, body `status N` |
/// | `/hangup` | closes the connection without answering |
/// | `/truncated` | announces 100 bytes, sends 10, closes |
enum TestRoutes {
    static func reply(to request: TestHTTPRequest) -> TestHTTPReply {
        let isHead = request.method == "HEAD"
        switch request.path {
        case "/echo":
            let echo = EchoReply(
                method: request.method, target: request.target,
                headers: request.headers.map { [$0.name, $0.value] },
                bodyBase64: Data(request.body).base64EncodedString())
            let json = (try? JSONEncoder().encode(echo)).map { Array($0) } ?? []
            return .response(status: 200, headers: [("Content-Type", "application/json")], body: json, head: isHead)
        case "/redirect":
            return .response(status: 302, reason: "Found", headers: [("Location", "/echo?from=redirect")])
        case "/repeated":
            return .response(
                status: 200,
                headers: [("Set-Cookie", "a=1"), ("X-Trace", "one"), ("Set-Cookie", "b=2"), ("x-trace", "two")],
                body: Array("ok".utf8))
        case "/interim":
            let text = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\nX-Interim: yes\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 5\r\n\r\nfinal"
            return TestHTTPReply(bytes: Array(text.utf8))
        case "/folded":
            let text = "HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nContent-Length: 0\r\n\r\n"
            return TestHTTPReply(bytes: Array(text.utf8))
        case "/bytes":
            return .response(status: 200, body: pattern(count: request.query("n") ?? 0), head: isHead)
        case "/chunked":
            let body = pattern(count: request.query("n") ?? 0)
            var bytes = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            var offset = 0
            while offset < body.count {
                let end = min(offset + 1000, body.count)
                bytes += Array("\(String(end - offset, radix: 16))\r\n".utf8) + body[offset..<end] + [13, 10]
                offset = end
            }
            bytes += Array("0\r\n\r\n".utf8)
            return TestHTTPReply(bytes: bytes)
        case "/slow":
            var reply = TestHTTPReply.response(status: 200, body: Array("late".utf8))
            reply.delayMilliseconds = request.query("ms") ?? 1000
            return reply
        case "/status":
            let code = request.query("code") ?? 500
            return .response(status: code, reason: "Scripted", body: Array("status \(code)".utf8), head: isHead)
        case "/hangup":
            return TestHTTPReply(bytes: [], closeAfter: true)
        case "/truncated":
            let text = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"
            return TestHTTPReply(bytes: Array(text.utf8), closeAfter: true)
        default:
            return .response(status: 404, reason: "Not Found", body: Array("no route".utf8), head: isHead)
        }
    }

    /// Deterministic body bytes: byte i is `i % 251` (a prime, so chunk edges never align).
    static func pattern(count: Int) -> [UInt8] {
        (0..<count).map { UInt8($0 % 251) }
    }
}

extension TestHTTPServer {
    /// A server answering with ``TestRoutes``.
    convenience init() throws {
        try self.init(TestRoutes.reply(to:))
    }
}

extension HTTPClientResponse {
    /// The body decoded as an ``EchoReply`` (the response of `/echo`).
    func echo() throws -> EchoReply {
        try JSONDecoder().decode(EchoReply.self, from: Data(body))
    }
}

extension HTTPClient {
    /// The error `request` fails with, or nil if it succeeded (then the test should fail).
    func failure(of request: HTTPClientRequest) -> HTTPClientError? {
        do throws(HTTPClientError) {
            _ = try send(request)
            return nil
        } catch {
            return error
        }
    }
}
