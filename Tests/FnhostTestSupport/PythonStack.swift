import Foundation
import Synchronization

/// A Python project served by the real stack for one test: a copy of the project's folder in a
/// temporary folder (so a test may edit its files), its migrations in a fresh schema of the cluster
/// `make test` started, its virtual environments built by `fnhost deps` into a folder shared by
/// every test (keyed by content, so each set is built once), and `fnhost-testhost serve` on it.
public final class PythonStack {
    /// The copy's root: `backend/`, `db_migrations/`.
    public let project: URL
    public let host: HostStack
    /// The schema the migrations went to (`MAIN_DB_SCHEMA`), when the project has migrations.
    public let schema: String?

    /// Where every test's environments live: `.run/test/python-envs` (or `FNHOST_TEST_PYTHON_ENVS`).
    public static var environments: String {
        ProcessInfo.processInfo.environment["FNHOST_TEST_PYTHON_ENVS"]
            ?? PackageRoot.url.appendingPathComponent(".run/test/python-envs").path
    }

    /// `source`: a project folder relative to the package root (holding `backend/`).
    public init(
        project source: String, readyPath: String, extraArguments: [String] = [], environment: [String: String] = [:]
    ) throws {
        project = FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-py-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: PackageRoot.url.appendingPathComponent(source), to: project)
        var functionEnvironment = environment
        let migrations = project.appendingPathComponent("db_migrations")
        if FileManager.default.fileExists(atPath: migrations.path) {
            let url = try TestDatabase.url()
            let schema = "t_py_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
            try CommandRun.testHost(["migrate", "--folder", migrations.path], environment: ["DATABASE_URL": url, "MAIN_DB_SCHEMA": schema])
            functionEnvironment["DATABASE_URL"] = url
            functionEnvironment["MAIN_DB_SCHEMA"] = schema
            self.schema = schema
        } else {
            schema = nil
        }
        // A set that cannot be installed (a test's own) fails here and is answered as 502 later.
        let backend = project.appendingPathComponent("backend")
        // Once per project and test run, so a first build (pip downloading) is not timed by the
        // stack's start; serve itself only finds them ready (and retries a failed set).
        if Self.prepared.withLock({ $0.insert(source).inserted }) {
            _ = try? CommandRun.testHost(["deps", "--functions", backend.path, "--python-envs", Self.environments])
        }
        host = try HostStack(
            functions: backend.path, extraArguments: ["--python-envs", Self.environments] + extraArguments,
            environment: functionEnvironment, readyPath: readyPath)
    }

    public var backend: URL { project.appendingPathComponent("backend") }

    /// Projects whose environments this test process has built.
    private static let prepared = Mutex<Set<String>>([])

    /// Replaces a file of the copy (relative to `backend/`) the way an editor saves: a new file
    /// renamed over the old one.
    public func write(_ relativePath: String, _ text: String) throws {
        let target = backend.appendingPathComponent(relativePath)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, target.path) == 0 else { throw StackError("rename onto \(target.path) failed") }
    }

    public func read(_ relativePath: String) throws -> String {
        try String(contentsOf: backend.appendingPathComponent(relativePath), encoding: .utf8)
    }

    public func stop() {
        host.stop()
        try? FileManager.default.removeItem(at: project)
    }
}
