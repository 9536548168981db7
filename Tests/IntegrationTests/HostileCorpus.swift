import FnhostTestSupport
import Foundation

/// The hostile-input corpus: for each try-on function, several hundred malformed or hostile requests
/// made by generators from a few seeds (a valid body's truncations, every field with every wrong
/// type, lists of bad URLs, injection strings, invalid UTF-8 sequences, odd methods, oversized
/// parts), rather than typed out one by one.
///
/// Cases that nginx or the host refuse before the function runs (protocol errors, oversized
/// headers) are built on a *base* request the function would refuse too, so that a malformation
/// that slips through still cannot change the database. Each function's cases live in its own
/// extension (`HostileCorpus+Start.swift`, `+Status`, `+Worker`); this file holds what they share.
struct HostileCorpus {
    /// The owner of the seeded task.
    var userId: String
    /// A task that exists (finished, so no worker call can change it), owned by `userId`.
    var taskId: String
    /// The worker's configured `X-Worker-Token`.
    var workerToken: String

    /// The start, status and worker corpora, in that order.
    var all: [HostileRequest] { start() + status() + worker() }

    /// Invalid UTF-8 byte sequences: a lone 0xFF, an overlong `/`, a UTF-16 surrogate, a cut
    /// three-byte sequence, a five-byte form, a lone continuation byte, a code point past U+10FFFF.
    static let invalidUTF8: [(String, [UInt8])] = [
        ("0xFF", [0xFF]), ("overlong /", [0xC0, 0xAF]), ("surrogate", [0xED, 0xA0, 0x80]), ("truncated", [0xE2, 0x82]),
        ("five-byte", [0xF8, 0x88, 0x80, 0x80, 0x80]), ("lone continuation", [0x80]), ("past U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("0xFE", [0xFE]),
    ]

    /// SQL injection strings, as a client would type them.
    static let sqlInjections = [
        "' OR '1'='1", "'; DROP TABLE replicate_tasks; --", "1; DELETE FROM replicate_tasks", "\" OR \"\"=\"",
        "' UNION SELECT id, user_id FROM replicate_tasks --", "'); UPDATE replicate_tasks SET status='failed'; --",
        "1' AND pg_sleep(5)--", "$1", "' OR 1=1 LIMIT 1 OFFSET 0 --", "%' OR user_id LIKE '%",
    ]

    /// Methods no try-on function serves. TRACE and CONNECT are refused by nginx itself.
    static let oddMethods = ["PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "FOO", "PROPFIND", "MKCOL", "LOCK", "PURGE", String(repeating: "X", count: 200)]

    /// Malformations of the HTTP exchange itself, on a base request (`method`, `target`, `headers`,
    /// `body`) that the function refuses anyway: nginx (or the host) must answer each with a 4xx JSON
    /// error, and if one ever got through, the function would still refuse it.
    static func transportCases(
        function: String, method: String, target: String, headers: [(String, [UInt8])], body: [UInt8],
        expectation: HostileRequest.Expectation = .refused
    ) -> [HostileRequest] {
        var cases: [HostileRequest] = []
        func add(_ category: String, _ label: String, method: String = method, target: String = target, version: String = "HTTP/1.1",
                 host: String? = "127.0.0.1", extra: [(String, [UInt8])] = [], body: [UInt8] = body,
                 contentLength: HostileRequest.ContentLength = .automatic)
        {
            cases.append(HostileRequest(
                function: function, category: category, label: label, method: method, target: target, version: version,
                host: host, headers: headers + extra, body: body, contentLength: contentLength, expectation: expectation))
        }
        func raw(_ label: String, _ text: String) {
            cases.append(HostileRequest(function: function, category: "protocol", label: label, raw: Array(text.utf8), expectation: expectation))
        }

        // The request line and framing.
        add("protocol", "HTTP/1.1 without Host", host: nil)
        add("protocol", "two Host headers", extra: .text([("Host", "evil.example")]))
        add("protocol", "Content-Length and Transfer-Encoding", extra: .text([("Transfer-Encoding", "chunked")]), contentLength: .value(String(body.count)))
        add("protocol", "two different Content-Lengths", extra: .text([("Content-Length", "1")]), contentLength: .value("2"))
        add("protocol", "negative Content-Length", contentLength: .value("-1"))
        add("protocol", "Content-Length not a number", contentLength: .value("abc"))
        add("protocol", "Content-Length with a sign", contentLength: .value("+5"))
        add("protocol", "Content-Length of 10^12", contentLength: .value("1000000000000"))
        add("protocol", "Content-Length past 64 bits", contentLength: .value("99999999999999999999999"))
        add("protocol", "unknown Transfer-Encoding", extra: .text([("Transfer-Encoding", "gzip")]), body: [], contentLength: .omit)
        add("protocol", "chunked with a size that is not hex", extra: .text([("Transfer-Encoding", "chunked")]),
            body: Array("zz\r\nabc\r\n0\r\n\r\n".utf8), contentLength: .omit)
        add("protocol", "chunked with an overflowing size", extra: .text([("Transfer-Encoding", "chunked")]),
            body: Array("fffffffffffffffffffff\r\nabc\r\n0\r\n\r\n".utf8), contentLength: .omit)
        add("protocol", "HTTP/2.0 in an HTTP/1 request line", version: "HTTP/2.0")
        add("protocol", "HTTP/9.9", version: "HTTP/9.9")
        add("protocol", "a version that is not HTTP", version: "FTP/1.0")
        add("protocol", "a version with garbage", version: "HTTP/1.1x")
        add("protocol", "lower-case method", method: method.lowercased())
        add("protocol", "method with a digit", method: "G3T")
        add("protocol", "target without a leading slash", target: String(target.dropFirst()))
        add("protocol", "a space inside the target", target: target + " x")
        add("protocol", "%00 in the path", target: function + "%00")
        add("protocol", "path that climbs above the root", target: "/../../.." + function)
        add("protocol", "absolute-form target naming another host", target: "http://evil.example" + target)
        raw("tab between method and target", "\(method)\t\(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        raw("request line only LF, then garbage", "\(method) \(target) HTTP/1.1\nHost: 127.0.0.1\n\u{1}\u{2}\u{3}\n\n")
        raw("a header line without a colon", "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nno colon here\r\n\r\n")
        raw("garbage instead of a request", "\u{16}\u{3}\u{1}\u{2}\u{0}\u{1}\u{0}\u{1}\u{fc}\u{3}\u{3}\r\n\r\n")

        // Header injection: CR, LF and NUL inside values, folded lines.
        add("header-injection", "bare CR inside a header value", extra: [("X-Note", Array("a\rSet-Cookie: x=1".utf8))])
        add("header-injection", "NUL inside a header value", extra: [("X-Note", Array("a".utf8) + [0] + Array("b".utf8))])
        add("header-injection", "obsolete line folding", extra: [("X-Note", Array("a\r\n continued".utf8))])
        add("header-injection", "a space before the colon", extra: [("Content-Length ", Array("5".utf8))])
        add("header-injection", "CRLF CRLF inside a value (request smuggling)",
            extra: [("X-Note", Array("a\r\n\r\nGET /status HTTP/1.1\r\nHost: x".utf8))])

        // Oversized parts.
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 20_000)
        add("oversized-header", "one 20 KB header value", extra: [("X-Big", big)])
        add("oversized-header", "a 20 KB header name", extra: [(String(repeating: "N", count: 20_000), Array("v".utf8))])
        add("oversized-header", "five 15 KB headers (75 KB in all)",
            extra: (1...5).map { ("X-Big-\($0)", [UInt8](repeating: UInt8(ascii: "b"), count: 15_000)) })
        add("oversized-header", "a 20 KB Cookie", extra: [("Cookie", Array("a=".utf8) + big)])
        add("oversized-header", "a 20 KB URI", target: target + (target.contains("?") ? "&" : "?") + "pad=" + String(repeating: "p", count: 20_000))
        add("oversized-header", "a 100 KB URI", target: target + (target.contains("?") ? "&" : "?") + "pad=" + String(repeating: "p", count: 100_000))
        return cases
    }

    /// Invalid UTF-8 in a header value and in the query, on a base request.
    static func utf8HeaderCases(
        function: String, method: String, target: String, headers: [(String, [UInt8])], body: [UInt8],
        headerName: String, expectation: HostileRequest.Expectation = .refused
    ) -> [HostileRequest] {
        var cases: [HostileRequest] = []
        for (label, sequence) in invalidUTF8 {
            cases.append(HostileRequest(
                function: function, category: "invalid-utf8", label: "\(label) in \(headerName)", method: method, target: target,
                headers: headers.filter { $0.0 != headerName } + [(headerName, Array("user".utf8) + sequence)], body: body,
                expectation: expectation))
            cases.append(HostileRequest(
                function: function, category: "invalid-utf8", label: "\(label) raw in the query", rawTarget: Array(target.utf8)
                    + Array((target.contains("?") ? "&q=" : "?q=").utf8) + sequence, method: method, headers: headers, body: body,
                expectation: expectation))
        }
        return cases
    }
}
