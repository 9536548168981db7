import Foundation
import Synchronization
import FunctionRuntime
import HTTPClient

/// The real stack for a test: `fnhost-testhost serve` (master, worker pools, nginx) on a free port,
/// with its own run folder, serving `Tests/Fixtures/functions`. Stopped (SIGTERM, then SIGKILL)
/// by `stop()`; every test stops its stack in a `defer`.
final class HostStack {
    let port: Int
    /// The loopback port of the status page (nil when the stack runs without one).
    let adminPort: Int?
    /// The loopback TLS port answering functions' calls to https://functions.poehali.dev (a free
    /// port of its own unless `--platform-port` is given: the default, the port + 2, may be taken).
    let platformPort: Int?
    let runDirectory: URL
    let process: Process
    let logPath: URL
    private let logFile: FileHandle
    /// Whether `stop()` removes the run folder (not when a later stack took it over).
    var removesRunDirectory = true

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The folder of the built test binaries (fnhost-testhost sits next to the test bundle).
    static var binaryDirectory: URL {
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
    init(
        functions: String = "Tests/Fixtures/functions", project: String? = nil, extraArguments: [String] = [],
        environment: [String: String] = [:], unset: Set<String> = [], readyPath: String = "/echo",
        port reusedPort: Int? = nil, runDirectory reusedRunDirectory: URL? = nil,
        beforeStart: (_ runDirectory: URL) throws -> Void = { _ in }
    ) throws {
        port = try reusedPort ?? FreePort.pick()
        runDirectory = reusedRunDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        logPath = runDirectory.appendingPathComponent(reusedRunDirectory == nil ? "serve.log" : "serve-\(UUID().uuidString.prefix(4)).log")
        FileManager.default.createFile(atPath: logPath.path, contents: nil)
        logFile = try FileHandle(forWritingTo: logPath)
        process = Process()
        process.executableURL = Self.binaryDirectory.appendingPathComponent("fnhost-testhost")
        process.currentDirectoryURL = Self.packageRoot
        if let given = extraArguments.firstIndex(of: "--admin-port"), given + 1 < extraArguments.count {
            adminPort = Int(extraArguments[given + 1]).flatMap { $0 > 0 ? $0 : nil }
        } else {
            adminPort = try FreePort.pick()
        }
        let admin = extraArguments.contains("--admin-port") ? [] : ["--admin-port", String(adminPort ?? 0)]
        if let given = extraArguments.firstIndex(of: "--platform-port"), given + 1 < extraArguments.count {
            platformPort = Int(extraArguments[given + 1]).flatMap { $0 > 0 ? $0 : nil }
        } else {
            platformPort = try FreePort.pick()
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

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The status page's JSON (`GET /status` on the admin port).
    func statusPage() throws -> JSONValue {
        guard let adminPort else { throw StackError("this stack has no admin port") }
        let response = try sendRequest("http://127.0.0.1:\(adminPort)", "/status")
        guard response.status == 200, let json = response.json else { throw StackError("the status page answered \(response.status)") }
        return json
    }

    private func waitUntilReady(path: String) throws {
        let client = try HTTPClient()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { throw StackError("fnhost exited at start:\n\(log())") }
            if let response = try? client.send(HTTPClientRequest(method: "OPTIONS", url: baseURL + path, timeoutMilliseconds: 2000)),
                response.status == 200
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw StackError("fnhost did not answer within 20 s:\n\(log())")
    }

    /// A request through nginx with a fresh client.
    func send(
        _ method: String = "GET", _ path: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
        timeoutMilliseconds: Int = 15_000
    ) throws -> HTTPClientResponse {
        try sendRequest(baseURL, method, path, headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A GET through nginx.
    func send(_ path: String, timeoutMilliseconds: Int = 15_000) throws -> HTTPClientResponse {
        try sendRequest(baseURL, "GET", path, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The log written so far (JSON lines from the master, plus nginx's stderr).
    func log() -> String {
        (try? String(contentsOf: logPath, encoding: .utf8)) ?? ""
    }

    /// The JSON log lines of one kind (`"event": "invocation"`, ...).
    func logEvents(_ event: String) -> [JSONObject] {
        log().split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"), let value = try? JSONValue.parse(String(line)), value["event"]?.stringValue == event
            else { return nil }
            return value.objectValue
        }
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
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

struct StackError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A loopback TCP port nobody is listening on right now.
enum FreePort {
    static func pick() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw StackError("socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw StackError("bind failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs `count` blocking jobs on their own threads at once and returns their results in order.
func inParallel<T: Sendable>(_ count: Int, _ job: @escaping @Sendable (Int) -> T) -> [T] {
    let results = ResultBox<T>(count: count)
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            results.set(index, job(index))
            group.leave()
        }
    }
    group.wait()
    return results.values
}

/// A value another thread sets, read once it has.
final class Holder<T: Sendable>: Sendable {
    private let storage = Mutex<T?>(nil)
    func set(_ value: T?) { storage.withLock { $0 = value } }
    var value: T? { storage.withLock { $0 } }
}

private final class ResultBox<T: Sendable>: Sendable {
    private let storage: Mutex<[T?]>
    init(count: Int) { storage = Mutex(Array(repeating: nil, count: count)) }
    func set(_ index: Int, _ value: T) { storage.withLock { $0[index] = value } }
    var values: [T] { storage.withLock { $0.compactMap { $0 } } }
}

extension HTTPClientResponse {
    var json: JSONValue? { try? JSONValue.parse(body) }
}

/// A request to `base` + `path` with a fresh client (usable from any thread).
func sendRequest(
    _ base: String, _ method: String = "GET", _ path: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
    timeoutMilliseconds: Int = 15_000
) throws -> HTTPClientResponse {
    try HTTPClient().send(
        HTTPClientRequest(
            method: method, url: base + path, headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds))
}

/// A GET to `base` + `path`.
func sendRequest(_ base: String, _ path: String, timeoutMilliseconds: Int = 15_000) throws -> HTTPClientResponse {
    try sendRequest(base, "GET", path, timeoutMilliseconds: timeoutMilliseconds)
}
