import Foundation
import FunctionRuntime
import HTTPClient

/// The real stack for a test: `fnhost-testhost serve` (master, worker pools, nginx) on a free port,
/// with its own run folder, serving `Tests/Fixtures/functions`. Stopped (SIGTERM, then SIGKILL)
/// by `stop()`; every test stops its stack in a `defer`.
public final class HostStack {
    public let port: Int
    /// The loopback port of the status page (nil when the stack runs without one).
    public let adminPort: Int?
    /// The loopback TLS port answering functions' calls to https://functions.poehali.dev (a free
    /// port of its own unless `--platform-port` is given: the default, the port + 2, may be taken).
    public let platformPort: Int?
    public let runDirectory: URL
    public let process: Process
    public let logPath: URL
    private let logFile: FileHandle
    /// Whether `stop()` removes the run folder (not when a later stack took it over).
    public var removesRunDirectory = true

    /// The folder of the built test binaries (fnhost-testhost sits next to the test bundle).
    public static var binaryDirectory: URL {
        if let configured = ProcessInfo.processInfo.environment["FNHOST_BIN_DIR"] {
            return URL(fileURLWithPath: configured)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// `project` serves a poehali.dev export with `--project` instead of `--functions`; `unset`
    /// removes variables from the environment the host inherits. `port` and `runDirectory` reuse
    /// another stack's (one that was killed), or `runDirectory` names a folder of the test's own. The host leads a process group of its own (Foundation's
    /// `Process` starts it so), as a terminal's foreground job does: a test signals the whole group
    /// as Ctrl-C does.
    public init(
        functions: String = "Tests/Fixtures/functions", project: String? = nil, extraArguments: [String] = [],
        environment: [String: String] = [:], unset: Set<String> = [], readyPath: String = "/echo",
        port reusedPort: Int? = nil, runDirectory reusedRunDirectory: URL? = nil,
        beforeStart: (_ runDirectory: URL) throws -> Void = { _ in }
    ) throws {
        port = try reusedPort ?? LoopbackSocket.freePort()
        runDirectory = reusedRunDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        logPath = runDirectory.appendingPathComponent(reusedRunDirectory == nil ? "serve.log" : "serve-\(UUID().uuidString.prefix(4)).log")
        _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
        logFile = try FileHandle(forWritingTo: logPath)
        process = Process()
        process.executableURL = Self.binaryDirectory.appendingPathComponent("fnhost-testhost")
        process.currentDirectoryURL = PackageRoot.url
        if let given = extraArguments.firstIndex(of: "--admin-port"), given + 1 < extraArguments.count {
            adminPort = Int(extraArguments[given + 1]).flatMap { $0 > 0 ? $0 : nil }
        } else {
            adminPort = try LoopbackSocket.freePort()
        }
        let admin = extraArguments.contains("--admin-port") ? [] : ["--admin-port", String(adminPort ?? 0)]
        if let given = extraArguments.firstIndex(of: "--platform-port"), given + 1 < extraArguments.count {
            platformPort = Int(extraArguments[given + 1]).flatMap { $0 > 0 ? $0 : nil }
        } else {
            platformPort = try LoopbackSocket.freePort()
        }
        let platform = extraArguments.contains("--platform-port") ? [] : ["--platform-port", String(platformPort ?? 0)]
        process.arguments = ["serve"] + (project.map { ["--project", $0] } ?? ["--functions", functions])
            + ["--port", String(port), "--run-dir", runDirectory.path] + admin + platform + extraArguments
        process.standardOutput = logFile
        process.standardError = logFile
        process.environment = ProcessInfo.processInfo.environment.filter { !unset.contains($0.key) }.merging(environment) { _, new in new }
        try beforeStart(runDirectory)
        try process.run()
        try waitUntilReady(path: readyPath)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The status page's JSON (`GET /status` on the admin port).
    public func statusPage() throws -> JSONValue {
        guard let adminPort else { throw StackError("this stack has no admin port") }
        let response = try sendRequest("http://127.0.0.1:\(adminPort)", "/status")
        guard response.status == 200, let json = response.json else { throw StackError("the status page answered \(response.status)") }
        return json
    }

    private func waitUntilReady(path: String) throws {
        let client = try HTTPClient()
        let ready = poll(within: 20, every: 0.05) {
            guard process.isRunning else { return true }
            let response = try? client.send(HTTPClientRequest(method: "OPTIONS", url: baseURL + path, timeoutMilliseconds: 2000))
            return response?.status == 200
        }
        if !process.isRunning { throw StackError("fnhost exited at start:\n\(log())") }
        guard ready else { throw StackError("fnhost did not answer within 20 s:\n\(log())") }
    }

    /// A request through nginx with a fresh client.
    public func send(
        _ method: String = "GET", _ path: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
        timeoutMilliseconds: Int = 15_000
    ) throws -> HTTPClientResponse {
        try sendRequest(baseURL, method, path, headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A GET through nginx.
    public func send(_ path: String, timeoutMilliseconds: Int = 15_000) throws -> HTTPClientResponse {
        try sendRequest(baseURL, "GET", path, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Polls the status page until it shows an invocation of `function` running; throws when none
    /// starts within `seconds`.
    public func waitUntilBusy(function: String, within seconds: Double = 10) throws {
        let busy = try poll(within: seconds, every: 0.01) {
            (try statusPage()["functions"]?[function]?["busy"]?.numberValue ?? 0) > 0
        }
        guard busy else { throw StackError("no invocation of \(function) started within \(seconds) s") }
    }

    /// The log written so far (JSON lines from the master, plus nginx's stderr).
    public func log() -> String {
        (try? String(contentsOf: logPath, encoding: .utf8)) ?? ""
    }

    /// The JSON log lines of one kind (`"event": "invocation"`, ...).
    public func logEvents(_ event: String) -> [JSONObject] {
        JSONLogLines.events(event, in: log())
    }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            poll(within: 15) { !process.isRunning }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? logFile.close()
        // The folder nginx's workers use, when it had to live outside the run folder.
        let record = runDirectory.appendingPathComponent("nginx-facing").path
        if removesRunDirectory, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: record) {
            try? FileManager.default.removeItem(atPath: target)
        }
        if removesRunDirectory { try? FileManager.default.removeItem(at: runDirectory) }
    }
}
