import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// No secret (the Replicate token, the worker token, the database password) ever appears in a log
/// line, an error body or a task row, however things fail: Replicate answering 401 and 500, the
/// worker called without or with a wrong token, the database unreachable or refusing the password,
/// a function that throws and one that crashes, each with the secrets in its environment.
@Suite(.serialized) struct SecretLeakTests {
    /// Everything collected while provoking errors: response bodies, every file the stacks wrote
    /// (serve log with nginx's error log and the invocation log lines, the generated configuration)
    /// and the task rows.
    final class Evidence {
        var texts: [(source: String, text: String)] = []
        func add(_ source: String, _ response: HTTPClientResponse) {
            texts.append((source, String(decoding: response.body, as: UTF8.self)))
            texts.append((source + " headers", response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")))
        }
    }

    @Test func noSecretReachesALogLineAnErrorBodyOrATaskRow() throws {
        let databaseURL = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"])
        let password = try #require(Self.password(in: databaseURL), "the test cluster's URL carries a password (scripts/pg)")
        let replicateToken = "r8_SECRET_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let workerToken = "wt_SECRET_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let wrongPassword = "pw_SECRET_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let secrets = [password, replicateToken, workerToken, wrongPassword]
        let evidence = Evidence()
        let secretEnvironment = ["REPLICATE_API_TOKEN": replicateToken, "WORKER_TOKEN": workerToken, "WORKER_TRIGGER": "off", "WORKER_CHAIN": "off"]
        let token = [HTTPHeader(name: "X-Worker-Token", value: workerToken)]

        // Replicate refuses the token (401), then fails (500); the worker is called without, with
        // a wrong and with a near-miss token.
        do {
            let stack = try TryOnStack(environment: secretEnvironment)
            defer { stack.stop() }
            try stack.standIn.setFaults(#"{"create401": 1}"#)
            let refusedTask = try stack.startTask(garments: ["https://example.com/g.jpg"])
            evidence.add("worker (Replicate 401)", try stack.host.send("GET", TryOnStack.workerPath, headers: token))
            let failed = try stack.status(refusedTask).json
            #expect(failed?["status"] == "failed", "\(String(describing: failed))")
            #expect(failed?["error_message"]?.stringValue?.contains("Replicate refused the API token") == true)

            try stack.standIn.setFaults(#"{"create500": 5}"#)
            _ = try stack.startTask(garments: ["https://example.com/g.jpg"])
            evidence.add("worker (Replicate 500)", try stack.host.send("GET", TryOnStack.workerPath, headers: token))
            for headers in [[], [HTTPHeader(name: "X-Worker-Token", value: "wrong")], [HTTPHeader(name: "X-Worker-Token", value: String(workerToken.dropLast()))]] {
                let refused = try stack.host.send("GET", TryOnStack.workerPath, headers: headers)
                #expect(refused.status == 401)
                evidence.add("worker (refused)", refused)
            }
            evidence.add("start (bad body)", try stack.start(#"{"person_image":"http://127.0.0.1/x.jpg","garments":[]}"#))
            evidence.add("status (another user)", try stack.status(refusedTask, userId: "intruder"))
            let rows = try TaskTableSnapshot.rowTexts(databaseURL: stack.databaseURL, schema: stack.schema)
            #expect(rows.count == 2)
            evidence.texts += rows.map { ("task row", $0) }
            evidence.texts += Self.everyFile(of: stack.host)
        }

        // The database unreachable, then refusing the password: 503 or 500, without the URL.
        let base = try #require(databaseURL.range(of: "@")).upperBound
        for (label, url) in [
            ("unreachable", "postgresql://fnhost:\(wrongPassword)@/fnhost?host=/tmp/fnhost-nowhere-\(UUID().uuidString.prefix(6))"),
            ("wrong password", "postgresql://fnhost:\(wrongPassword)@" + databaseURL[base...]),
        ] {
            let stack = try TryOnStack(environment: secretEnvironment.merging(["DATABASE_URL": url]) { _, new in new })
            defer { stack.stop() }
            for response in [
                try stack.start(#"{"person_image":"https://example.com/p.jpg","garments":["https://example.com/g.jpg"]}"#),
                try stack.status("00000000-0000-4000-8000-000000000000"),
                try stack.host.send("GET", TryOnStack.workerPath, headers: token),
            ] {
                #expect((500...599).contains(response.status), "\(label): \(response.status)")
                #expect(response.json?["error"]?.stringValue != nil, "\(label): \(String(decoding: response.body, as: UTF8.self))")
                evidence.add("database \(label)", response)
            }
            evidence.texts += Self.everyFile(of: stack.host)
        }

        // A function that throws, one that crashes and one that answers malformed, all with the
        // secrets in their environment.
        do {
            let stack = try HostStack(environment: ["REPLICATE_API_TOKEN": replicateToken, "WORKER_TOKEN": workerToken, "DATABASE_URL": databaseURL])
            defer { stack.stop() }
            for path in ["/throws", "/crash?how=trap", "/malformed?kind=base64"] {
                let response = try stack.send(path)
                #expect(response.status == 502, "\(path): \(response.status)")
                evidence.add(path, response)
            }
            evidence.texts += Self.everyFile(of: stack)
        }

        #expect(evidence.texts.count > 20)
        #expect(evidence.texts.contains { $0.source.hasSuffix("serve.log") && $0.text.contains("\"event\"") }, "the logs were read")
        for (source, text) in evidence.texts {
            for secret in secrets {
                #expect(!text.contains(secret), "\(source) carries a secret (\(secret.prefix(6))...)")
            }
        }
    }

    /// The password of a `postgresql://user:password@...` URL.
    static func password(in url: String) -> String? {
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@") else { return nil }
        let credentials = url[scheme.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return nil }
        let password = String(credentials[credentials.index(after: colon)...])
        return password.isEmpty ? nil : password
    }

    /// Stops the host (so every buffered log line is written) and reads every file in its run
    /// folder except the sockets and stored images.
    static func everyFile(of host: HostStack) -> [(source: String, text: String)] {
        host.signal(SIGTERM)
        poll(within: 15) { !host.process.isRunning }
        var files: [(String, String)] = []
        let enumerator = FileManager.default.enumerator(at: host.runDirectory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true, url.pathExtension != "png",
                let data = FileManager.default.contents(atPath: url.path)
            else { continue }
            files.append((url.lastPathComponent, String(decoding: data, as: UTF8.self)))
        }
        return files
    }
}
