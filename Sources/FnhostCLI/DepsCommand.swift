#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionRuntime
import PythonTooling

/// `fnhost deps`: builds the virtual environments of Python functions ahead of time, one per distinct
/// requirements set, into `<run-dir>/python/envs` (where `fnhost serve` and its workers look).
struct DepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deps",
        abstract: "Build Python functions' virtual environments (one per distinct requirements.txt) ahead of time.",
        discussion: """
            Prints one line per step of each environment, then a summary \
            (`3 environments: 2 ready (1 built now), 1 failed: login: ...`). Exit status 1 when any failed.
            """)

    @Argument(help: "Functions whose environments to build (default: every Python function).")
    var names: [String] = []

    @Option(name: .customLong("functions"), help: "The folder with func2url.json and one folder per function (default: functions).")
    var functionsDirectory: String?

    @Option(name: .customLong("project"), help: "The folder of a poehali.dev export: its functions are in <project>/backend.")
    var project: String?

    @Option(name: .customLong("run-dir"), help: "The run folder; environments go to <run-dir>/python/envs.")
    var runDirectory: String = ".run"

    @Option(name: .customLong("python-envs"), help: "Where the environments live (default <run-dir>/python/envs; serve's --python-envs).")
    var environments: String?

    @Flag(help: "Build again even environments that are ready (each is replaced once its new build is complete).")
    var rebuild = false

    @Option(help: "Seconds one environment's build may take before it is stopped and recorded as failed.")
    var timeout: Double = 900

    func validate() throws {
        if functionsDirectory != nil && project != nil {
            throw ValidationError("Give either --functions or --project, not both")
        }
        guard timeout.isFinite, timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        let directory = project.map { "\($0)/backend" } ?? functionsDirectory ?? "functions"
        if let project, FileBytes.read(directory + "/func2url.json") == nil {
            throw ValidationError(
                "\(directory)/func2url.json cannot be read: --project takes the folder of a poehali.dev export (the one holding backend/), \(project) does not look like one")
        }
        let catalog: FunctionCatalog
        do {
            catalog = try FunctionCatalog.load(directory: directory)
        } catch {
            throw ValidationError(error.description)
        }
        let selected = try selectFunctions(in: catalog, directory: directory)
        guard !selected.isEmpty else {
            Self.say("No Python functions in \(directory) (a Python function's folder has an index.py); nothing to build.")
            return
        }

        let store = PythonEnvironmentStore(root: Paths.absolute(environments ?? runDirectory + "/python/envs"))
        let report = try PythonWorkers.prepare(
            catalog: catalog, functions: selected, store: store, rebuild: rebuild, timeout: timeout, say: Self.say)
        if report.failedCount > 0 { throw ExitCode(1) }
    }

    /// The named functions (each must exist and be a Python one), or every Python function.
    private func selectFunctions(in catalog: FunctionCatalog, directory: String) throws -> [FunctionSpec] {
        guard !names.isEmpty else { return catalog.functions.filter { $0.language == .python } }
        return try names.map { name in
            guard let spec = catalog.function(matching: name) else {
                throw ValidationError(
                    "No function \"\(name)\" in \(directory)/func2url.json (known: \(catalog.functions.map(\.name).joined(separator: ", ")))")
            }
            guard spec.language == .python else {
                throw ValidationError("\"\(spec.name)\" is not a Python function: \(directory)/\(spec.name)/index.py does not exist")
            }
            return spec
        }
    }

    /// One line on standard output in a single write, so lines from parallel builds never interleave.
    static func say(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
