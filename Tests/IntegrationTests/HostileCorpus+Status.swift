import FnhostTestSupport
import Foundation
import FunctionRuntime

/// `replicate-async-status`: bad task ids (not ids, SQL, control characters, invalid UTF-8, too
/// long), another user's or a malformed `X-User-Id` on a real task, methods, bodies, and transport
/// malformations. A read-only function, so none may change the database either.
extension HostileCorpus {
    func status() -> [HostileRequest] {
        let path = TryOnStack.statusPath
        let owner: [(String, [UInt8])] = .text([("X-User-Id", userId)])
        var cases: [HostileRequest] = []
        func get(_ category: String, _ label: String, query: String, headers: [(String, [UInt8])]? = nil, method: String = "GET", body: [UInt8] = []) {
            cases.append(HostileRequest(
                function: path, category: category, label: label, method: method, target: path + query, headers: headers ?? owner, body: body))
        }
        let unknownId = "00000000-0000-4000-8000-000000000000"

        // task_id absent or not an id of any task.
        for (label, query) in [
            ("no query", ""), ("empty query", "?"), ("task_id without a value", "?task_id"), ("empty task_id", "?task_id="),
            ("blank task_id", "?task_id=%20%20"), ("TASK_ID in upper case", "?TASK_ID=\(taskId)"), ("task-id spelled with a dash", "?task-id=\(taskId)"),
            ("a uuid of no task", "?task_id=\(unknownId)"), ("the real id in upper case", "?task_id=\(taskId.uppercased())"),
            ("the real id with a suffix", "?task_id=\(taskId)x"), ("the real id cut short", "?task_id=\(taskId.dropLast())"),
            ("the real id with braces", "?task_id=%7B\(taskId)%7D"), ("the real id percent-encoded twice", "?task_id=" + taskId.replacingOccurrences(of: "-", with: "%252D")),
            ("a number", "?task_id=1"), ("a negative number", "?task_id=-1"), ("a huge number", "?task_id=99999999999999999999999"),
            ("a float", "?task_id=1e308"), ("true", "?task_id=true"), ("null", "?task_id=null"), ("JSON", "?task_id=%7B%22a%22%3A1%7D"),
            ("array syntax", "?task_id[]=\(taskId)"), ("a wildcard", "?task_id=%25"), ("an underscore wildcard", "?task_id=________-____-____-____-____________"),
            ("a path", "?task_id=..%2F..%2Fetc%2Fpasswd"), ("a URL", "?task_id=https%3A%2F%2Fevil.example%2F"),
            ("HTML", "?task_id=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), ("task_id of 129 bytes", "?task_id=" + String(repeating: "a", count: 129)),
            ("task_id of 10 KB", "?task_id=" + String(repeating: "a", count: 10_000)), ("only separators", "?&&&=&="),
            ("the real id, then an empty duplicate", "?task_id=\(taskId)&task_id="), ("the real id after a bad one, other user", "?task_id=x&task_id=\(taskId)"),
        ] {
            let headers = label.hasSuffix("other user") ? .text([("X-User-Id", "intruder")]) : owner
            get("bad-task-id", label, query: query, headers: headers)
        }
        // Near misses: one character of the real id replaced, at every other position.
        for position in stride(from: 0, to: taskId.count, by: 2) {
            var near = Array(taskId)
            near[position] = near[position] == "z" ? "y" : "z"
            get("bad-task-id", "the real id with character \(position) changed", query: "?task_id=\(String(near))")
        }
        for injection in Self.sqlInjections + ["\(taskId)' OR '1'='1", "\(taskId)'--", "x' OR user_id<>'"] {
            get("sql-injection", "the real id followed by \(injection)", query: "?task_id=" + QueryString.encode(taskId + injection))
            get("sql-injection", "task_id \(injection)", query: "?task_id=" + QueryString.encode(injection))
            get("sql-injection", "X-User-Id \(injection) on the real task", query: "?task_id=\(taskId)", headers: .text([("X-User-Id", injection)]))
        }
        for (label, escape) in [("NUL", "%00"), ("LF", "%0A"), ("CR LF", "%0D%0A"), ("tab", "%09"), ("ESC", "%1B"), ("DEL", "%7F"), ("C1 control", "%C2%85"), ("é", "%C3%A9"), ("an emoji", "%F0%9F%98%80"), ("U+FFFD", "%EF%BF%BD")] {
            get("bad-task-id", "\(label) inside the real id", query: "?task_id=\(taskId.prefix(8))\(escape)\(taskId.dropFirst(8))")
            get("header-injection", "\(label) then Set-Cookie in task_id", query: "?task_id=a\(escape)Set-Cookie:%20x=1")
        }
        for (label, sequence) in Self.invalidUTF8 {
            let escaped = sequence.map { String(format: "%%%02X", $0) }.joined()
            get("invalid-utf8", "\(label) percent-encoded in task_id", query: "?task_id=a\(escaped)b")
            cases.append(HostileRequest(
                function: path, category: "invalid-utf8", label: "\(label) raw in task_id", rawTarget: Array("\(path)?task_id=a".utf8) + sequence,
                headers: owner))
        }

        // The real task through someone else's eyes or a malformed identity: nothing about it leaks.
        var identities: [(String, [UInt8])] = [
            ("another user", Array("intruder".utf8)), ("the owner with a suffix", Array("\(userId)x".utf8)),
            ("the owner in upper case", Array(userId.uppercased().utf8)), ("the owner, blank-padded inside", Array("\(userId) x".utf8)),
            ("a 129-byte user", Array(String(repeating: "u", count: 129).utf8)), ("a 10 KB user", Array(String(repeating: "u", count: 10_000).utf8)),
            ("a user with a tab", Array("a\tb".utf8)), ("a user with DEL", Array("a".utf8) + [0x7F]),
        ]
        for (name, bytes) in Self.invalidUTF8 { identities.append(("\(name) after the owner", Array(userId.utf8) + bytes)) }
        for (label, value) in identities {
            get("identity", label, query: "?task_id=\(taskId)", headers: [("X-User-Id", value)])
        }
        get("identity", "the owner and then another user", query: "?task_id=\(taskId)", headers: .text([("X-User-Id", "intruder"), ("X-User-Id", userId)]))
        get("identity", "another user and then the owner", query: "?task_id=\(taskId)", headers: .text([("X-User-Id", userId), ("X-User-Id", "intruder")]))

        // Methods, bodies and paths on the real task.
        for method in Self.oddMethods + ["POST"] {
            get("odd-method", method.count > 20 ? "a 200-letter method" : method, query: "?task_id=\(taskId)", method: method)
        }
        get("odd-method", "HEAD with no task_id", query: "", method: "HEAD")
        get("huge-body", "GET with a 4 MB body", query: "?task_id=\(unknownId)", body: [UInt8](repeating: 0x41, count: 4_000_000))
        get("huge-body", "GET with a 3 MB body (base64 makes it 4 MB)", query: "?task_id=\(unknownId)", body: [UInt8](repeating: 0x41, count: 3_000_000))
        get("huge-body", "GET with a 100 KB JSON body", query: "?task_id=\(unknownId)",
            headers: owner + .text([("Content-Type", "application/json")]), body: Array(("[" + String(repeating: "1,", count: 50_000) + "1]").utf8))
        for extra in ["/x", "/\(taskId)", "/.env", "/../replicate-async-start", "/%2e%2e/TryOnStatusFunction.swift"] {
            cases.append(HostileRequest(function: path, category: "path", label: "extra path \(extra)", target: path + extra + "?task_id=\(taskId)", headers: owner))
        }

        let target = "\(path)?task_id=\(unknownId)"
        cases += Self.transportCases(function: path, method: "GET", target: target, headers: owner, body: [])
        cases += Self.utf8HeaderCases(function: path, method: "GET", target: target, headers: owner, body: [], headerName: "X-Note")
        return cases
    }
}
