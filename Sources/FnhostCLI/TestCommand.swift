#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FixtureRunner
import FnhostProject
import FunctionRuntime

/// `fnhost test [NAME...] [--url BASE] [--project DIR]`: runs each function's tests.json.
///
/// - In-process (default): with nothing set it works as `make run` does: the embedded PostgreSQL
///   with a throwaway database (migrated, dropped at the end) and the offline Replicate stand-in.
/// - `--url BASE`: over HTTP against a stack that is already running.
/// - `--project DIR`: against a real stack (`fnhost serve --project DIR` started for the run).
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run functions' tests.json cases, in this process, over HTTP through nginx (--url), or on a real stack (--project).",
        discussion: """
            Prints one line per case and ends with `N passed, N failed`. Exit status 1 when any failed.
            Without DATABASE_URL the embedded PostgreSQL is started (scripts/pg of the fnhost checkout) and the tests get \
            a throwaway database; without REPLICATE_API_TOKEN the offline Replicate stand-in runs.
            """)

    @Argument(help: "Functions to test (default: every function that has a tests.json).") var names: [String] = []
    @Option(help: "Run over HTTP against this base URL (e.g. http://127.0.0.1:8080) instead of in-process.")
    var url: String?
    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var edge: EdgeFlags

    func run() throws {
        _ = try functions.loadEnvironment()
        let layout = try functions.layout
        let catalog = try functions.catalog()
        let selected = try names.isEmpty
            ? catalog.functions.filter { FileBytes.read("\(catalog.folder(of: $0))/tests.json") != nil }
            : names.map { name in
                guard let spec = catalog.function(matching: name) else {
                    throw ValidationError("No function \"\(name)\" in \(functions.directory)/func2url.json")
                }
                return spec
            }
        let session: FixtureSession
        if let url {
            var overHTTP = FixtureSession(transport: .http(base: url), edge: edge.options)
            for spec in selected { overHTTP.run(spec, in: catalog, factory: nil) }
            session = overHTTP
        } else if layout.isProject {
            session = try ProjectTestRun(layout: layout, edge: edge.options).run(selected, catalog: catalog)
        } else {
            session = try runInProcess(selected, catalog: catalog, layout: layout)
        }
        print(session.summary)
        fflush(nil)
        if session.failed > 0 { throw ExitCode(1) }
    }

    /// In this process, with the database and the stand-in `make run` would give the functions.
    private func runInProcess(_ selected: [FunctionSpec], catalog: FunctionCatalog, layout: ProjectLayout) throws -> FixtureSession {
        let reads = Set(ProjectEnvironment.pythonReads(catalog).map(\.variable))
        let services = try TestServices(
            layout: layout, needsDatabase: ProjectDatabase.isNeeded(migrationsDirectory: layout.migrationsDirectory, readVariables: reads),
            migrate: true, standIn: true)
        defer { services.stop() }
        var session = FixtureSession(transport: .inProcess, edge: edge.options)
        for spec in selected { session.run(spec, in: catalog, factory: FnhostMain.registry.factory(for: spec.name)) }
        return session
    }
}
