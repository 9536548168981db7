import Foundation
import FunctionRuntime
import HTTPClient

/// The try-on system for one test: its own PostgreSQL schema (migrated with `fnhost migrate`) in
/// the cluster `make test` started (`DATABASE_URL`), its own Replicate stand-in process, and the
/// stack serving the shipped functions with both.
final class TryOnStack {
    let standIn: StandInProcess
    let host: HostStack
    let schema: String
    let databaseURL: String

    static let startPath = "/replicate-async-start"
    static let workerPath = "/replicate-async-worker"
    static let statusPath = "/replicate-async-status"

    /// `environment` adds to (and overrides) what the functions get; `databaseURL` defaults to the
    /// cluster `make test` started.
    /// Timers are off unless `timers` (the worker's 5-second timer would race the test's own calls).
    /// `serveArguments` go to `fnhost serve` as they are (`--page-dir`, ...).
    init(
        standInDelayMilliseconds: Int = 0, environment: [String: String] = [:], databaseURL: String? = nil, timers: Bool = false,
        serveArguments: [String] = []
    ) throws {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw StackError("DATABASE_URL is not set: run the tests with `make test`, which starts PostgreSQL")
        }
        self.databaseURL = url
        schema = "t_it_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        standIn = try StandInProcess(delayMilliseconds: standInDelayMilliseconds)
        let migrate = Process()
        migrate.executableURL = HostStack.binaryDirectory.appendingPathComponent("fnhost-testhost")
        migrate.currentDirectoryURL = HostStack.packageRoot
        migrate.arguments = ["migrate", "--folder", "db_migrations"]
        migrate.environment = ProcessInfo.processInfo.environment.merging(["MAIN_DB_SCHEMA": schema, "DATABASE_URL": url]) { _, new in new }
        let output = Pipe()
        migrate.standardOutput = output
        migrate.standardError = output
        try migrate.run()
        migrate.waitUntilExit()
        guard migrate.terminationStatus == 0 else {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            standIn.stop()
            throw StackError("fnhost migrate failed:\n\(text)")
        }
        let functionEnvironment = [
            "MAIN_DB_SCHEMA": schema,
            "DATABASE_URL": url,
            "REPLICATE_API_TOKEN": "r8_standin_test",
            "REPLICATE_BASE_URL": standIn.baseURL,
            "LEASE_SECONDS": "3",
        ].merging(environment) { _, new in new }
        do {
            host = try HostStack(
                functions: "functions", extraArguments: (timers ? [] : ["--no-timers"]) + serveArguments, environment: functionEnvironment,
                readyPath: Self.statusPath)
        } catch {
            standIn.stop()
            throw error
        }
    }

    var baseURL: String { host.baseURL }

    func stop() {
        host.stop()
        standIn.stop()
    }

    /// POSTs a start; returns the response.
    func start(_ body: String, userId: String? = "user-1", headers: [HTTPHeader] = []) throws -> HTTPClientResponse {
        var all = [HTTPHeader(name: "Content-Type", value: "application/json")] + headers
        if let userId { all.append(HTTPHeader(name: "X-User-Id", value: userId)) }
        return try host.send("POST", Self.startPath, headers: all, body: Array(body.utf8))
    }

    /// Starts a task and returns its id.
    func startTask(garments: [String], userId: String = "user-1") throws -> String {
        let list = garments.map { "{\"image\":\"\($0)\",\"category\":\"upper_body\"}" }.joined(separator: ",")
        let response = try start(
            "{\"person_image\":\"https://example.com/person.jpg\",\"garments\":[\(list)],\"prompt_hints\":\"test garment\"}",
            userId: userId)
        guard response.status == 200, let id = response.json?["task_id"]?.stringValue else {
            throw StackError("start answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return id
    }

    func status(_ taskId: String, userId: String? = nil) throws -> HTTPClientResponse {
        let headers = userId.map { [HTTPHeader(name: "X-User-Id", value: $0)] } ?? []
        return try host.send("GET", "\(Self.statusPath)?task_id=\(taskId)", headers: headers)
    }

    /// Polls status until the task is `completed` or `failed` (or `timeout` seconds pass), calling
    /// the worker now and then as the timer would. Returns the last status JSON.
    func waitForTerminalStatus(_ taskId: String, timeout: Double = 30, kickWorker: Bool = true) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        var last: JSONValue = .null
        var kicks = 0
        while Date() < deadline {
            last = try status(taskId).json ?? .null
            if let state = last["status"]?.stringValue, state == "completed" || state == "failed" { return last }
            kicks += 1
            if kickWorker, kicks % 5 == 0 { _ = try? host.send(Self.workerPath, timeoutMilliseconds: 500) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return last
    }
}

/// The project's Replicate stand-in as a real process on a free port.
final class StandInProcess {
    let process = Process()
    let port: Int

    init(delayMilliseconds: Int) throws {
        port = try FreePort.pick()
        process.executableURL = HostStack.binaryDirectory.appendingPathComponent("replicate-standin")
        process.arguments = ["--port", String(port), "--delay-ms", String(delayMilliseconds), "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let client = try HTTPClient()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? client.send(HTTPClientRequest(url: baseURL + "/_standin/health", timeoutMilliseconds: 500)))?.status == 200 {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw StackError("the Replicate stand-in did not start")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func setFaults(_ json: String) throws {
        let response = try sendRequest(baseURL, "POST", "/_standin/faults", headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: Array(json.utf8))
        guard response.status == 200 else { throw StackError("setting faults answered \(response.status)") }
    }

    /// The recorded calls (`GET /_standin/calls`).
    func calls() throws -> [JSONValue] {
        try sendRequest(baseURL, "/_standin/calls").json?["calls"]?.arrayValue ?? []
    }

    /// The signing secret, as Replicate's clients read it.
    func webhookSecret() throws -> String {
        let response = try sendRequest(
            baseURL, "GET", "/v1/webhooks/default/secret", headers: [HTTPHeader(name: "Authorization", value: "Bearer r8_standin_test")])
        guard let key = response.json?["key"]?.stringValue else { throw StackError("no webhook secret: \(response.status)") }
        return key
    }

    /// The prediction object as a GET answers it now; nil when the stand-in does not know it.
    func predictionJSON(_ id: String) throws -> [UInt8]? {
        let response = try sendRequest(
            baseURL, "GET", "/v1/predictions/\(id)", headers: [HTTPHeader(name: "Authorization", value: "Bearer r8_standin_test")])
        return response.status == 200 ? response.body : nil
    }

    func creates() throws -> [JSONValue] {
        try calls().filter { $0["kind"] == "create" && $0["prediction_id"]?.stringValue != nil }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
