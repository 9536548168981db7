import FnhostTestSupport
import Foundation
import FunctionRuntime

/// `replicate-async-worker` with `WORKER_TOKEN` configured: every way of not presenting the token
/// (absent, wrong, near misses, in the wrong place, repeated, malformed) must be refused with a
/// 4xx; hostile requests that *do* carry the right token (odd methods, bodies, paths, oversized
/// parts) may be served but must never fail with a 5xx.
extension HostileCorpus {
    func worker() -> [HostileRequest] {
        let path = TryOnStack.workerPath
        var cases: [HostileRequest] = []
        func call(
            _ category: String, _ label: String, method: String = "GET", target: String = path, headers: [(String, [UInt8])] = [],
            body: [UInt8] = [], expectation: HostileRequest.Expectation = .refused
        ) {
            cases.append(HostileRequest(
                function: path, category: category, label: label, method: method, target: target, headers: headers, body: body,
                expectation: expectation))
        }
        let token = Array(workerToken.utf8)
        func tokenHeader(_ value: [UInt8]) -> [(String, [UInt8])] { [("X-Worker-Token", value)] }

        // Near misses and wrong places, with GET and POST.
        var wrongTokens: [(String, [UInt8])] = [
            ("no token", []), ("empty token", []), ("blank token", Array("   ".utf8)), ("the token's first half", Array(token.prefix(token.count / 2))),
            ("the token minus its last byte", Array(token.dropLast())), ("the token plus a byte", token + [UInt8(ascii: "x")]),
            ("the token in upper case", Array(workerToken.uppercased().utf8)), ("the token reversed", token.reversed()),
            ("the token with a NUL after it", token + [0]), ("the token then a comma and more", token + Array(", x".utf8)),
            ("the token quoted", Array("\"\(workerToken)\"".utf8)), ("Bearer and the token", Array("Bearer \(workerToken)".utf8)),
            ("the token base64-encoded", Array(Data(token).base64EncodedString().utf8)), ("a 16 KB token", [UInt8](repeating: 0x41, count: 16_000)),
            ("the token of another deployment", Array("s3cret-token".utf8)), ("SQL as the token", Array("' OR '1'='1".utf8)),
        ]
        wrongTokens += Self.invalidUTF8.map { ("the token then \($0.0)", token + $0.1) }
        // Near misses: one byte of the token changed, at every position (a comparison that stops
        // early or ignores a position would let one of these through).
        for position in token.indices {
            var near = token
            near[position] = near[position] == UInt8(ascii: "z") ? UInt8(ascii: "y") : UInt8(ascii: "z")
            cases.append(HostileRequest(
                function: path, category: "token", label: "the token with byte \(position) changed", headers: tokenHeader(near)))
        }
        for (label, value) in wrongTokens {
            for method in ["GET", "POST"] {
                let headers = label == "no token" ? [] : tokenHeader(value)
                call("token", "\(method), \(label)", method: method, headers: headers)
            }
        }
        for (label, headers) in [
            ("token as Authorization Bearer", [("Authorization", "Bearer \(workerToken)")]),
            ("token as a cookie", [("Cookie", "X-Worker-Token=\(workerToken)")]),
            ("token as X-Worker-Token-Extra", [("X-Worker-Token-Extra", workerToken)]),
            ("token as X_Worker_Token (underscores are dropped)", [("X_Worker_Token", workerToken)]),
            ("token as X-Authorization", [("X-Authorization", workerToken)]),
            ("token as X-Triggered-By", [("X-Triggered-By", workerToken)]),
            ("a wrong token, then the right one", [("X-Worker-Token", "wrong"), ("X-Worker-Token", workerToken)]),
            ("the right token, then a wrong one", [("X-Worker-Token", workerToken), ("X-Worker-Token", "wrong")]),
            ("claims to be the timer", [("X-Fnhost-Trigger", "timer"), ("X-Triggered-By", "timer")]),
        ] {
            call("token", label, headers: .text(headers))
        }
        for (label, query) in [
            ("token in the query", "?token=\(workerToken)"), ("X-Worker-Token in the query", "?X-Worker-Token=\(workerToken)"),
            ("worker_token in the query", "?worker_token=\(workerToken)"), ("trigger event in the query", "?event_type=timer"),
        ] {
            call("token", label, target: path + query)
        }
        for (label, body) in [
            ("a trigger event as the body", #"{"messages":[{"event_metadata":{"event_type":"yandex.cloud.events.serverless.triggers.TimerMessage"}}]}"#),
            ("the token in a JSON body", "{\"X-Worker-Token\":\"\(workerToken)\"}"), ("the token as the body", workerToken),
        ] {
            call("token", label, method: "POST", headers: .text([("Content-Type", "application/json")]), body: Array(body.utf8))
        }

        // Without the token: methods, bodies, injection, SQL, invalid UTF-8.
        for method in Self.oddMethods + ["HEAD"] {
            call("odd-method", "\(method.count > 20 ? "a 200-letter method" : method) without the token", method: method)
        }
        for injection in Self.sqlInjections {
            call("sql-injection", "SQL as the token: \(injection)", headers: .text([("X-Worker-Token", injection)]))
            call("sql-injection", "SQL in the query: \(injection)", target: path + "?task_id=" + QueryString.encode(injection))
        }
        for contentType in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "image/png", "", "application/json; charset=utf-16", "application/json\r\nX-Injected: 1", String(repeating: "a/b;", count: 2000), "*/*"] {
            call("odd-content-type", "POST \(contentType.prefix(40)) without the token", method: "POST",
                 headers: .text([("Content-Type", contentType)]), body: Array("token=\(workerToken)".utf8))
        }
        for (label, body) in Self.hostileBodies {
            call("body", "\(label) without the token", method: "POST", headers: .text([("Content-Type", "application/json")]), body: body)
        }

        // With the right token: served or refused, never a server error.
        for method in Self.oddMethods {
            call("with-token", "\(method.count > 20 ? "a 200-letter method" : method) with the token", method: method, headers: tokenHeader(token),
                 expectation: .notServerError)
        }
        for (label, body) in Self.hostileBodies {
            call("with-token", "\(label) with the token", method: "POST", headers: tokenHeader(token) + .text([("Content-Type", "application/json")]),
                 body: body, expectation: .notServerError)
        }
        for extra in ["/x", "/../replicate-async-start", "/.git/config"] {
            call("with-token", "extra path \(extra) with the token", target: path + extra, headers: tokenHeader(token), expectation: .notServerError)
        }
        cases += Self.transportCases(function: path, method: "GET", target: path, headers: tokenHeader(token), body: [], expectation: .notServerError)
            .map { var request = $0; request.category = "with-token " + request.category; return request }

        cases += Self.transportCases(function: path, method: "GET", target: path, headers: [], body: [])
        cases += Self.utf8HeaderCases(function: path, method: "GET", target: path, headers: [], body: [], headerName: "X-Note")
        return cases
    }

    /// Bodies no function should choke on: broken and deeply nested JSON, invalid UTF-8, binary, huge.
    static let hostileBodies: [(String, [UInt8])] = [
        ("truncated JSON", Array(#"{"a":"#.utf8)), ("100000 [", Array(String(repeating: "[", count: 100_000).utf8)),
        ("100000 nested objects", Array((String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)).utf8)),
        ("invalid UTF-8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), ("NUL bytes", [UInt8](repeating: 0, count: 1000)),
        ("a 4 MB body", [UInt8](repeating: 0x20, count: 4_000_000)), ("SQL", Array("'; DROP TABLE replicate_tasks; --".utf8)),
        ("duplicated keys", Array(#"{"a":1,"a":2}"#.utf8)),
    ]
}
