import Foundation

/// One run of a program to its end, its output in files (no pipe another process could hold open):
/// the test host's CLI (`fnhost-testhost <arguments>`) or any other tool.
public struct CommandRun {
    public var status: Int32
    /// Whether it was killed (SIGKILL) because it ran past its time limit.
    public var timedOut: Bool
    /// Whether it exited by itself with status 0.
    public var succeeded: Bool
    public var standardOutput: String
    public var standardError: String

    /// Runs `fnhost-testhost <arguments>` in the package root with `unset` removed from the
    /// environment and `environment` added to it.
    public init(_ arguments: [String], environment: [String: String] = [:], unset: Set<String> = []) throws {
        try self.init(
            program: HostStack.binaryDirectory.appendingPathComponent("fnhost-testhost").path, arguments,
            environment: environment, unset: unset)
    }

    /// Runs `program` with `arguments` in `directory` (default the package root); killed with
    /// SIGKILL past `timeoutSeconds` (a child of the test process inherits its blocked signals,
    /// SIGTERM among them).
    public init(
        program: String, _ arguments: [String], environment: [String: String] = [:], unset: Set<String> = [],
        directory: URL = PackageRoot.url, timeoutSeconds: Double = 300
    ) throws {
        let folder = try TemporaryFolder("cmd")
        let outPath = folder.url.appendingPathComponent("stdout")
        let errPath = folder.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outPath.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
        let out = try FileHandle(forWritingTo: outPath)
        let err = try FileHandle(forWritingTo: errPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.currentDirectoryURL = directory
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !unset.contains($0.key) }
            .merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        timedOut = !poll(within: timeoutSeconds, every: 0.02) { !process.isRunning }
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        status = process.terminationStatus
        succeeded = !timedOut && process.terminationReason == .exit && status == 0
        standardOutput = (try? String(contentsOf: outPath, encoding: .utf8)) ?? ""
        standardError = (try? String(contentsOf: errPath, encoding: .utf8)) ?? ""
    }

    /// Runs `fnhost-testhost <arguments>` and returns its standard output; throws with all its
    /// output when it fails.
    @discardableResult
    public static func testHost(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let run = try CommandRun(arguments, environment: environment)
        guard run.succeeded else {
            throw StackError("fnhost \(arguments.joined(separator: " ")) failed (\(run.status)):\n\(run.output)")
        }
        return run.standardOutput
    }

    /// Standard output, then standard error.
    public var output: String { standardOutput + standardError }

    /// The last non-empty line of stdout.
    public var lastLine: String { standardOutput.split(separator: "\n").last.map(String.init) ?? "" }
}
