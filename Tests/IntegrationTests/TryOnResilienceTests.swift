import FnhostTestSupport
import Foundation
import Synchronization
import FunctionRuntime
import HTTPClient
import Testing

/// The try-on system when things go wrong underneath it: the database stops, a worker loses its
/// lease while it waits; and the functions' own tests.json through the real stack.
@Suite(.serialized) struct TryOnResilienceTests {
    @Test func withTheDatabaseDownFunctionsAnswer503QuicklyAndRecoverByThemselves() throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.stop() }
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off"], databaseURL: cluster.url)
        defer { stack.stop() }
        let before = try stack.startTask(garments: ["https://example.com/g.jpg"])
        #expect(try stack.status(before).status == 200)

        try cluster.stopServer()
        for path in ["\(TryOnStack.statusPath)?task_id=\(before)", TryOnStack.workerPath] {
            let started = Date()
            let answer = try stack.host.send(path)
            #expect(answer.status == 503, "\(path): \(String(decoding: answer.body, as: UTF8.self))")
            #expect(answer.json?["code"] == "database_unavailable")
            #expect(answer.header("Retry-After") != nil)
            #expect(Date().timeIntervalSince(started) < 5, "answered within the connect timeout")
            #expect(!String(decoding: answer.body, as: UTF8.self).contains(cluster.password), "no secret in an error body")
        }
        let refused = try stack.start(#"{"person_image":"https://example.com/p.jpg","garments":["https://example.com/g.jpg"]}"#)
        #expect(refused.status == 503)

        try cluster.startServer()
        #expect(try poll(within: 10, every: 0.2) { try stack.status(before).status == 200 }, "the warm connection was re-made without a restart")
        #expect(try stack.start(#"{"person_image":"https://example.com/p.jpg","garments":["https://example.com/g.jpg"]}"#).status == 200)
        #expect(!stack.host.log().contains(cluster.password), "no secret in the log")
    }

    @Test func aWorkerThatLostItsLeaseCannotWriteAndTheTaskCompletesOnce() throws {
        // No call may outlast a third of the lease, so a lease lapses only when its worker stalls
        // (paused, starved, partitioned): here worker A's create is held 2 s (within its 3 s call
        // budget) and its lease is made to lapse meanwhile, as if the clock had moved. Worker B
        // rescues the task and creates its own prediction, whose webhook completes it; A's
        // checkpoint then updates nothing and A stops (its prediction's completion finds no task
        // waiting for it).
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off", "WORKER_CHAIN": "off", "LEASE_SECONDS": "9"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/g.jpg"])
        // A's prediction runs a minute (no event from it during the test); B's, created after the
        // delay is reset, ends at once.
        try stack.standIn.setFaults(#"{"hangMs": 2000, "hangCount": 1, "delayMs": 60000}"#)
        let base = stack.baseURL
        let first = Holder<HTTPClientResponse>()
        let workerA = Thread { first.set(try? sendRequest(base, TryOnStack.workerPath)) }
        workerA.start()
        try poll(within: 10) { try !stack.standIn.creates().isEmpty }
        #expect(try stack.standIn.creates().count == 1, "worker A's create is being held")
        try stack.standIn.setFaults(#"{"delayMs": 0}"#)
        let database = try TaskDatabaseProbe(stack)
        defer { database.close() }
        try database.expireLease(taskId)
        let rescue = try stack.host.send(TryOnStack.workerPath)
        #expect(first.value == nil, "worker A is still inside its create")
        #expect(rescue.json?["task_id"]?.stringValue == taskId, "worker B rescued and claimed the task: \(rescue.status) \(String(decoding: rescue.body, as: UTF8.self))")
        #expect(rescue.json?["status"] == "waiting", "B created its own prediction and let go")
        let stale = try #require(pollValue(within: 10) { first.value })
        #expect(stale.json?["status"] == "lease_lost", "\(String(decoding: stale.body, as: UTF8.self))")
        let final = try stack.waitForTerminalStatus(taskId, timeout: 20, kickWorker: false)
        #expect(final["status"] == "completed")
        #expect(final["result_url"]?.stringValue?.contains(taskId) == true)
    }

    @Test func theShippedFunctionsTestsJSONPassesInProcessAndThroughNginx() throws {
        let stack = try TryOnStack()
        defer { stack.stop() }
        for extra in [[], ["--url", stack.baseURL]] {
            let run = try CommandRun(
                ["test", "--functions", "functions"] + extra,
                environment: [
                    "DATABASE_URL": stack.databaseURL, "MAIN_DB_SCHEMA": stack.schema, "REPLICATE_API_TOKEN": "r8_standin_test",
                    "REPLICATE_BASE_URL": stack.standIn.baseURL, "WORKER_TRIGGER": "off",
                ])
            let text = run.standardOutput
            #expect(run.status == 0, "\(extra): \(run.output)")
            #expect(text.contains("26 passed, 0 failed"), "\(extra): \(text)")
        }
    }
}

/// A PostgreSQL cluster of its own (scripts/pg), for a test that stops and restarts the server.
final class ThrowawayCluster {
    let directory: String
    let url: String

    /// - Parameter directory: scripts/pg's DATADIR (default: a new one under /tmp).
    init(directory: String? = nil) throws {
        self.directory = directory ?? "/tmp/fnhost-pg-" + UUID().uuidString.prefix(8).lowercased()
        try Self.script("start", self.directory, capture: false)
        url = try Self.script("url", self.directory).split(separator: "\n").last.map(String.init) ?? ""
        guard url.hasPrefix("postgresql://") else { throw StackError("scripts/pg start printed no URL") }
    }

    /// The fnhost role's password, as it appears in the URL.
    var password: String {
        guard let at = url.firstIndex(of: "@"), let colon = url[url.index(url.startIndex, offsetBy: 13)...].firstIndex(of: ":")
        else { return "no-password-found" }
        return String(url[url.index(after: colon)..<at])
    }

    func stopServer() throws { try Self.script("stop", directory, capture: false) }
    func startServer() throws { try Self.script("start", directory, capture: false) }

    /// Stops the server and deletes the cluster, wherever scripts/pg keeps it.
    func stop() {
        _ = try? Self.script("destroy", directory, capture: false)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs scripts/pg. Commands that start the server run with posix_spawn and waitpid, not
    /// Foundation's Process: the daemon would inherit Process's internal descriptors, and
    /// `waitUntilExit` (or reading the output to its end) would wait for the database to stop.
    @discardableResult
    static func script(_ command: String, _ directory: String, capture: Bool = true) throws -> String {
        let path = PackageRoot.url.appendingPathComponent("scripts/pg").path
        guard capture else {
            var pid: pid_t = 0
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let texts: [String] = [path, command, directory]
            let arguments = texts.map { strdup($0) }
            defer { arguments.forEach { free($0) } }
            let spawned = (arguments + [nil]).withUnsafeBufferPointer { argv -> Int32 in
                guard let base = argv.baseAddress else { return EINVAL }
                return posix_spawn(&pid, path, &actions, nil, UnsafeMutablePointer(mutating: base), environ)
            }
            guard spawned == 0 else { throw StackError("scripts/pg \(command) could not start") }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            guard status == 0 else { throw StackError("scripts/pg \(command) failed with status \(status)") }
            return ""
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [command, directory]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StackError("scripts/pg \(command) failed: \(text)") }
        return text
    }
}

/// A drain keeps what in-flight invocations call: the stand-in `serve` runs stops only once no
/// invocation runs or waits, so a try-on caught mid-create by SIGTERM still gets its prediction.
@Suite(.serialized) struct DrainWithStandInTests {
    @Test func aCreateInFlightWhenTheHostDrainsStillReachesTheStandIn() throws {
        let stack = try TryOnStack(
            environment: ["WORKER_TRIGGER": "off", "WORKER_CHAIN": "off", "LEASE_SECONDS": "9"],
            serveArguments: ["--replicate-standin", "--standin-delay-ms", "200"])
        defer { stack.stop() }
        let line = try #require(
            stack.host.log().split(separator: "\n").first { $0.contains("the offline stand-in at ") }, "serve names its stand-in")
        let standIn = try #require(line.firstMatch(of: /http:\/\/127\.0\.0\.1:\d+/).map { String($0.output) })
        _ = try stack.startTask(garments: ["https://example.com/g.jpg"])
        let armed = try sendRequest(
            standIn, "POST", "/_standin/faults", headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
            body: Array(#"{"hangMs": 1500, "hangCount": 1}"#.utf8))
        #expect(armed.status == 200)
        let base = stack.baseURL
        let worker = Holder<HTTPClientResponse>()
        let thread = Thread { worker.set(try? sendRequest(base, TryOnStack.workerPath)) }
        thread.start()
        // The create is being held by the stand-in: drain now.
        poll(within: 10) {
            let calls = (try? sendRequest(standIn, "/_standin/calls"))?.json?["calls"]?.arrayValue ?? []
            return calls.contains { $0["kind"] == "create" }
        }
        kill(stack.host.process.processIdentifier, SIGTERM)
        let answer = try #require(pollValue(within: 15) { worker.value }, "the worker's invocation was answered")
        #expect(answer.status == 200)
        #expect(answer.json?["status"] == "waiting", "the held create completed and the task was parked: \(answer.json ?? .null)")
        #expect(poll(within: 15) { !stack.host.process.isRunning })
        #expect(stack.host.process.terminationStatus == 0)
    }
}
