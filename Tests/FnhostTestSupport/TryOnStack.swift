import Foundation
import FunctionRuntime
import HTTPClient

/// The try-on system for one test: its own PostgreSQL schema (migrated with `fnhost migrate`) in
/// the cluster `make test` started (`DATABASE_URL`), its own Replicate stand-in process, and the
/// stack serving the shipped functions with both.
public final class TryOnStack {
    public let standIn: StandInProcess
    public let host: HostStack
    public let schema: String
    public let databaseURL: String

    public static let startPath = "/replicate-async-start"
    public static let workerPath = "/replicate-async-worker"
    public static let statusPath = "/replicate-async-status"

    /// `environment` adds to (and overrides) what the functions get; `databaseURL` defaults to the
    /// cluster `make test` started.
    /// Timers are off unless `timers` (the worker's 5-second timer would race the test's own calls).
    /// `serveArguments` go to `fnhost serve` as they are (`--page-dir`, ...).
    public init(
        standInDelayMilliseconds: Int = 0, environment: [String: String] = [:], databaseURL: String? = nil, timers: Bool = false,
        serveArguments: [String] = []
    ) throws {
        let url = try databaseURL ?? TestDatabase.url()
        self.databaseURL = url
        schema = "t_it_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        standIn = try StandInProcess(delayMilliseconds: standInDelayMilliseconds)
        let migrate = try CommandRun(
            ["migrate", "--folder", "db_migrations"], environment: ["MAIN_DB_SCHEMA": schema, "DATABASE_URL": url])
        guard migrate.succeeded else {
            standIn.stop()
            throw StackError("fnhost migrate failed:\n\(migrate.output)")
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

    public var baseURL: String { host.baseURL }

    public func stop() {
        host.stop()
        standIn.stop()
    }

    /// POSTs a start; returns the response.
    public func start(_ body: String, userId: String? = "user-1", headers: [HTTPHeader] = []) throws -> HTTPClientResponse {
        var all = [HTTPHeader(name: "Content-Type", value: "application/json")] + headers
        if let userId { all.append(HTTPHeader(name: "X-User-Id", value: userId)) }
        return try host.send("POST", Self.startPath, headers: all, body: Array(body.utf8))
    }

    /// Starts a task and returns its id.
    public func startTask(garments: [String], userId: String = "user-1") throws -> String {
        let list = garments.map { "{\"image\":\"\($0)\",\"category\":\"upper_body\"}" }.joined(separator: ",")
        let response = try start(
            "{\"person_image\":\"https://example.com/person.jpg\",\"garments\":[\(list)],\"prompt_hints\":\"test garment\"}",
            userId: userId)
        guard response.status == 200, let id = response.json?["task_id"]?.stringValue else {
            throw StackError("start answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return id
    }

    public func status(_ taskId: String, userId: String? = nil) throws -> HTTPClientResponse {
        let headers = userId.map { [HTTPHeader(name: "X-User-Id", value: $0)] } ?? []
        return try host.send("GET", "\(Self.statusPath)?task_id=\(taskId)", headers: headers)
    }

    /// Polls status until the task is `completed` or `failed` (or `timeout` seconds pass), calling
    /// the worker now and then as the timer would. Returns the last status JSON.
    public func waitForTerminalStatus(_ taskId: String, timeout: Double = 30, kickWorker: Bool = true) throws -> JSONValue {
        var last: JSONValue = .null
        var kicks = 0
        try poll(within: timeout, every: 0.1) {
            last = try status(taskId).json ?? .null
            if let state = last["status"]?.stringValue, state == "completed" || state == "failed" { return true }
            kicks += 1
            if kickWorker, kicks % 5 == 0 { _ = try? host.send(Self.workerPath, timeoutMilliseconds: 500) }
            return false
        }
        return last
    }
}
