#if canImport(Glibc)
import Glibc
#endif
import FixtureRunner
import FnhostProject
import FunctionRuntime
import HTTPClient

/// `fnhost test --project DIR`: the functions' `tests.json` against a real stack. It starts
/// `fnhost serve --project DIR` (this binary) as a child on free ports with a temporary run folder
/// (real nginx, real workers), on a throwaway database when `DATABASE_URL` is not set, waits until
/// its status page answers, sends every case over HTTP, then stops the child and removes what it
/// made, also when a case or the start fails.
struct ProjectTestRun {
    let layout: ProjectLayout
    /// `--no-header-rewrites` / `--drop-cookie-domain`, passed on to the child.
    let edge: EdgeOptions
    /// How long the child may take to answer: the first start initialises a cluster and applies
    /// every migration. Default 120 s.
    var startTimeout: Duration = .seconds(120)

    /// Runs the cases of `selected`; the counts are in the returned session.
    func run(_ selected: [FunctionSpec], catalog: FunctionCatalog) throws -> FixtureSession {
        let reads = ProjectEnvironment.pythonReads(catalog)
        let services = try TestServices(
            layout: layout,
            needsDatabase: ProjectDatabase.isNeeded(migrationsDirectory: layout.migrationsDirectory, readVariables: Set(reads.map(\.variable))),
            migrate: false, standIn: false)
        defer { services.stop() }
        let runDirectory = try TestServices.makeTemporaryFolder()
        chmod(runDirectory, 0o711)  // nginx's workers (nobody, when started as root) reach the sockets below it
        defer {
            if let outside = NginxFacingFolder(runDirectory: layout.stateDirectory(runDirectory: runDirectory)).outside {
                Paths.removeTree(outside)
            }
            Paths.removeTree(runDirectory)
        }
        let port = try Paths.freeLoopbackPort()
        var adminPort = try Paths.freeLoopbackPort()
        while adminPort == port { adminPort = try Paths.freeLoopbackPort() }
        let logPath = runDirectory + "/serve.log"
        let child = try StackProcess(
            name: "fnhost serve", serveArguments(port: port, adminPort: adminPort, runDirectory: runDirectory),
            standardOutput: .file(logPath), standardError: .file(logPath))
        defer { child.stop() }
        try waitUntilReady(child, adminPort: adminPort, logPath: logPath)
        Paths.printToStandardError("fnhost test: \(catalog.functions.count) functions served by fnhost serve --project on http://127.0.0.1:\(port)\n")
        var session = FixtureSession(transport: .http(base: "http://127.0.0.1:\(port)"), edge: edge)
        for spec in selected { session.run(spec, in: catalog, factory: nil) }
        return session
    }

    private func serveArguments(port: Int, adminPort: Int, runDirectory: String) -> [String] {
        var arguments = [
            FnhostCheckout.executablePath(), "serve", "--project", layout.projectDirectory ?? ".", "--port", String(port),
            "--admin-port", String(adminPort), "--run-dir", runDirectory, "--no-timers",
        ]
        if layout.environmentFileRequired, let file = layout.environmentFile { arguments += ["--env-file", file] }
        if getenv("REPLICATE_API_TOKEN").map({ String(cString: $0).isEmpty }) ?? true { arguments.append("--replicate-standin") }
        if !edge.rewriteAuthorizationAndCookies { arguments.append("--no-header-rewrites") }
        if edge.dropCookieDomain { arguments.append("--drop-cookie-domain") }
        return arguments
    }

    /// Polls the child's status page until it answers 200, the child exits, or the time is up.
    private func waitUntilReady(_ child: StackProcess, adminPort: Int, logPath: String) throws {
        let client = try HTTPClient()
        let deadline = ContinuousClock.now + startTimeout
        let request = HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(adminPort)/status", timeoutMilliseconds: 2000)
        while ContinuousClock.now < deadline {
            if let status = child.poll() {
                throw ProjectError(.serviceFailed, "fnhost serve --project exited (status \(status)) before answering:\n\(Self.tail(logPath))")
            }
            if let response = try? client.send(request), response.status == 200 { return }
            usleep(50_000)
        }
        throw ProjectError(.serviceFailed, "fnhost serve --project did not answer within \(startTimeout):\n\(Self.tail(logPath))")
    }

    /// The last 30 lines of the child's log (for a start that failed).
    private static func tail(_ path: String) -> String {
        let text = FileBytes.read(path).map { String(decoding: $0, as: UTF8.self) } ?? "(no log)"
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(30).joined(separator: "\n")
    }
}
