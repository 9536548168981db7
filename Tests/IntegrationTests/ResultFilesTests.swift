import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Postgres
import Testing

/// Stored try-on images across hosts, on the real stack (nginx, the host, PostgreSQL, the Replicate
/// stand-in): with `STORAGE_BACKEND=postgres` each step's image is a row, and every host serves
/// `/results/<task>/<file>` from its own folder or, when the folder lacks it, from the database
/// (`replicate-results`), byte for byte and with its type.
@Suite(.serialized) struct ResultFilesTests {
    /// The host's results folder (the one nginx serves).
    static func folder(_ host: HostStack) -> URL { host.runDirectory.appendingPathComponent("results") }

    /// Inserts a task row and `file`'s bytes straight into the schema, as a worker on another host would have.
    static func storeElsewhere(_ probe: TaskDatabaseProbe, task: String, name: String, type: String, bytes: [UInt8]) throws {
        try probe.connection.execute(
            """
            INSERT INTO replicate_tasks (id, user_id, status, person_image, garments, total_steps, step, result_url, completed_at)
            VALUES ($1, 'user-1', 'completed', 'https://example.com/p.jpg', '[]', 1, 1, 'elsewhere', now())
            ON CONFLICT (id) DO NOTHING
            """, [task])
        try probe.connection.execute(
            "INSERT INTO replicate_result_files (task_id, name, content_type, bytes) VALUES ($1, $2, $3, $4::bytea)",
            [task, name, type, PostgresBytea.parameter(bytes)])
    }

    /// The bytes of `task`'s stored file `name`.
    static func storedBytes(_ probe: TaskDatabaseProbe, _ task: String, _ name: String) throws -> [UInt8]? {
        try probe.connection.query(
            "SELECT encode(bytes, 'hex') AS hex FROM replicate_result_files WHERE task_id = $1 AND name = $2", [task, name]
        ).first?["hex"].flatMap(PostgresBytea.decode)
    }

    /// A GET written by hand (no client library normalizes the path).
    static func get(_ host: HostStack, _ path: String) throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: host.port, request: Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
    }

    @Test func aClusteredTryOnIsServedByEveryHostIncludingAfterItsWorkersHostIsGone() throws {
        let stack = try TryOnStack(environment: ["STORAGE_BACKEND": "postgres"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/g1.jpg", "https://example.com/g2.jpg"])
        let final = try stack.waitForTerminalStatus(taskId)
        #expect(final["status"] == "completed", "\(final)")
        let resultURL = try #require(final["result_url"]?.stringValue)
        let path = "/results/\(taskId)/step-2.png"
        #expect(resultURL == stack.baseURL + path, "the URL keeps its shape")
        // The second step was fed the first one's stored copy, through this host.
        #expect(try stack.standIn.creates().last?["human_img"]?.stringValue == stack.baseURL + "/results/\(taskId)/step-1.png")

        let probe = try TaskDatabaseProbe(stack)
        defer { probe.close() }
        let names = try probe.connection.query(
            "SELECT name, content_type FROM replicate_result_files WHERE task_id = $1 ORDER BY name", [taskId]
        ).map { "\($0["name"] ?? "") \($0["content_type"] ?? "")" }
        #expect(names == ["step-1.png image/png", "step-2.png image/png"])
        let stored = try #require(try Self.storedBytes(probe, taskId, "step-2.png"))
        #expect(stored.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        // The worker's host serves its own copy from disk.
        let local = try Self.get(stack.host, path)
        #expect(local.status == 200)
        #expect(local.body == stored)

        // A second host on the same database, whose folder has never seen the task; then the first
        // host goes away.
        let other = try HostStack(
            functions: "functions", extraArguments: ["--no-timers"],
            environment: [
                "MAIN_DB_SCHEMA": stack.schema, "DATABASE_URL": stack.databaseURL, "REPLICATE_API_TOKEN": "r8_standin_test",
                "REPLICATE_BASE_URL": stack.standIn.baseURL, "STORAGE_BACKEND": "postgres",
            ],
            readyPath: TryOnStack.statusPath)
        defer { other.stop() }
        stack.host.stop()
        let copy = Self.folder(other).appendingPathComponent("\(taskId)/step-2.png")
        #expect(!FileManager.default.fileExists(atPath: copy.path))
        for name in ["step-2.png", "step-1.png"] {
            let answer = try Self.get(other, "/results/\(taskId)/\(name)")
            #expect(answer.status == 200, "\(name): \(answer.text.prefix(300))")
            #expect(answer.body == (try Self.storedBytes(probe, taskId, name)), "\(name)")
            #expect(answer.header("Content-Type") == "image/png")
            #expect(answer.header("Cache-Control") == "public, max-age=31536000, immutable")
        }
        // It kept a copy: the next read is nginx's alone, with the same bytes and type.
        #expect(FileManager.default.contents(atPath: copy.path).map(Array.init) == stored)
        let again = try Self.get(other, path)
        #expect(again.status == 200)
        #expect(again.body == stored)
        #expect(again.header("Content-Type") == "image/png")
    }

    @Test func anImageOnlyInTheDatabaseIsServedWithItsBytesAndType() throws {
        // The default backend: the fallback serves whatever the database holds all the same.
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off"])
        defer { stack.stop() }
        let probe = try TaskDatabaseProbe(stack)
        defer { probe.close() }
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(0...255) + Array("\r\n\0\\x00%\"".utf8) + Array((0...255).reversed())
        try Self.storeElsewhere(probe, task: "elsewhere-1", name: "step-1.jpg", type: "image/jpeg", bytes: bytes)
        #expect(!FileManager.default.fileExists(atPath: Self.folder(stack.host).appendingPathComponent("elsewhere-1").path))

        let answer = try Self.get(stack.host, "/results/elsewhere-1/step-1.jpg")
        #expect(answer.status == 200, "\(answer.text.prefix(300))")
        #expect(answer.body == bytes)
        #expect(answer.header("Content-Type") == "image/jpeg")
        #expect(answer.header("Cache-Control") == "public, max-age=31536000, immutable")
        #expect(answer.header("Access-Control-Allow-Origin") == "*")

        // From disk the second time: the same bytes and type.
        let again = try Self.get(stack.host, "/results/elsewhere-1/step-1.jpg")
        #expect(again.status == 200)
        #expect(again.body == bytes)
        #expect(again.header("Content-Type") == "image/jpeg")
    }

    @Test func unknownFilesAre404AndMalformedPaths400AsJSON() throws {
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off", "STORAGE_BACKEND": "postgres"])
        defer { stack.stop() }
        let probe = try TaskDatabaseProbe(stack)
        defer { probe.close() }
        try Self.storeElsewhere(probe, task: "known", name: "step-1.png", type: "image/png", bytes: [0x89, 0x50])
        let cases: [(path: String, status: Int, error: String)] = [
            ("/results/00000000-0000-4000-8000-000000000000/step-1.png", 404,
             "No stored image 00000000-0000-4000-8000-000000000000/step-1.png"),
            ("/results/known/step-2.png", 404, "No stored image known/step-2.png"),
            ("/results/known/step-1.png?path=other/step-1.png", 200, ""),
            ("/results/known", 400, "The path must name a task and a file: /results/<task>/<file>"),
            ("/results/known/", 400, "The file name in the path is not valid (1 to 63 letters, digits, ., - and _, not starting with .)"),
            ("/results/known/step-1.png/", 400, "The path must name a task and a file: /results/<task>/<file>"),
            ("/results/a/b/c.png", 400, "The path must name a task and a file: /results/<task>/<file>"),
            ("/results/kn%20own/step-1.png", 400, "The task id in the path is not valid (1 to 63 letters, digits, - and _)"),
            ("/results/known/step%201.png", 400, "The file name in the path is not valid (1 to 63 letters, digits, ., - and _, not starting with .)"),
            ("/results/known/step-1.png&path=x", 400, "path query parameter is given more than once"),
            ("/results/", 400, "The path must name a task and a file: /results/<task>/<file>"),
        ]
        for (path, status, error) in cases {
            let answer = try Self.get(stack.host, path)
            #expect(answer.status == status, "\(path): \(answer.status) \(answer.text.prefix(300))")
            guard status != 200 else { continue }
            #expect(answer.header("Content-Type") == "application/json", "\(path)")
            #expect((try? JSONValue.parse(answer.body))?["error"]?.stringValue == error, "\(path): \(answer.text)")
            if status == 404 { #expect(answer.header("Cache-Control") == "no-store", "\(path): may be stored later") }
        }
        // Other methods are refused; nothing is written.
        let post = try RawHTTPClient.exchange(
            port: stack.host.port,
            request: Array("POST /results/known/step-1.png HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        #expect([405].contains(post.status), "\(post.status) \(post.text.prefix(200))")
        #expect(try probe.count("replicate_result_files") == 1)
    }

    @Test func anImageTooLargeForAFunctionsAnswerIsCopiedAndRedirectedToItself() throws {
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off", "STORAGE_BACKEND": "postgres"])
        defer { stack.stop() }
        let probe = try TaskDatabaseProbe(stack)
        defer { probe.close() }
        let large = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        try Self.storeElsewhere(probe, task: "large", name: "step-1.png", type: "image/png", bytes: large)
        let first = try Self.get(stack.host, "/results/large/step-1.png")
        #expect(first.status == 307, "\(first.text.prefix(300))")
        #expect(first.header("Location") == stack.baseURL + "/results/large/step-1.png")
        #expect(first.header("Cache-Control") == "no-store")
        let followed = try Self.get(stack.host, "/results/large/step-1.png")
        #expect(followed.status == 200)
        #expect(followed.body == large, "\(followed.body.count) bytes")
        #expect(followed.header("Content-Type") == "image/png")
    }

    @Test func serveRefusesAStorageBackendItDoesNotKnow() throws {
        let run = try CommandRun(
            ["serve", "--functions", "functions", "--port", String(try LoopbackSocket.freePort()), "--run-dir",
             try TemporaryFolder("bad-backend").path, "--no-timers"],
            environment: ["STORAGE_BACKEND": "s3"])
        #expect(!run.succeeded && !run.timedOut)
        #expect(run.standardError.contains("STORAGE_BACKEND=s3 is not a storage backend: use files"), "\(run.standardError)")
    }
}
