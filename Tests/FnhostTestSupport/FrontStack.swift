import Foundation
import FunctionRuntime
import HTTPClient

/// `fnhost-testhost front` for a test: the front's nginx (one worker) on a free port, from its own
/// run folder, before the given hosts. Stopped (SIGTERM, then SIGKILL) by ``stop()``; every test
/// stops its front in a `defer`.
public final class FrontStack {
    public let port: Int
    public let runDirectory: URL
    public let process: Process
    public let logPath: URL
    private let logFile: FileHandle

    /// `upstream`: the `--upstream` list; `probeInterval`: seconds, 0 for none (passive checks only);
    /// `extraArguments` go last.
    public init(upstream: [String], probeInterval: Double = 0, extraArguments: [String] = []) throws {
        port = try LoopbackSocket.freePort()
        runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-front-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        logPath = runDirectory.appendingPathComponent("front.log")
        _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
        logFile = try FileHandle(forWritingTo: logPath)
        process = Process()
        process.executableURL = HostStack.binaryDirectory.appendingPathComponent("fnhost-testhost")
        process.currentDirectoryURL = PackageRoot.url
        process.arguments = [
            "front", "--upstream", upstream.joined(separator: ","), "--port", String(port), "--run-dir", runDirectory.path,
            "--nginx-workers", "1", "--probe-interval", String(probeInterval),
        ] + extraArguments
        process.standardOutput = logFile
        process.standardError = logFile
        try process.run()
        // Only the port is watched (no request), so no host has been picked yet when the test starts.
        let ready = poll(within: 20, every: 0.02) { !process.isRunning || LoopbackSocket.accepts(port: port) }
        if !process.isRunning { throw StackError("fnhost front exited at start:\n\(log())") }
        guard ready else { throw StackError("fnhost front did not listen within 20 s:\n\(log())") }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A request through the front on a new connection.
    public func send(_ method: String = "GET", _ path: String, headers: [HTTPHeader] = [], body: [UInt8] = []) throws -> HTTPClientResponse {
        try sendRequest(baseURL, method, path, headers: headers, body: body)
    }

    /// The configuration the front's nginx runs now.
    public var configuration: String {
        (try? String(contentsOf: runDirectory.appendingPathComponent("nginx/conf/nginx.conf"), encoding: .utf8)) ?? ""
    }

    /// The log so far: the front's JSON lines and nginx's error log.
    public func log() -> String {
        (try? String(contentsOf: logPath, encoding: .utf8)) ?? ""
    }

    /// The JSON log lines of one kind (`host_down`, `host_up`, ...).
    public func logEvents(_ event: String) -> [JSONObject] {
        JSONLogLines.events(event, in: log())
    }

    /// The pids of the front's nginx workers now: the children of its nginx master (whose pid the
    /// `front_started` line gives). A reload is over once none of the workers from before it is left.
    public func nginxWorkers() -> Set<Int32> {
        guard let master = logEvents("front_started").first?["nginxPid"]?.numberValue.map({ Int32($0) }) else { return [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var workers: Set<Int32> = []
        for entry in entries {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After the name: state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == master { workers.insert(pid) }
        }
        return workers
    }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// SIGTERM, then SIGKILL after 15 s; waits for the exit and removes the run folder. Returns
    /// whether it exited by itself with status 0.
    @discardableResult
    public func stop() -> Bool {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            poll(within: 15) { !process.isRunning }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? logFile.close()
        let clean = process.terminationReason == .exit && process.terminationStatus == 0
        try? FileManager.default.removeItem(at: runDirectory)
        return clean
    }
}
