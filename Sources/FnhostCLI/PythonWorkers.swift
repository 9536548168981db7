import ArgumentParser
import FunctionRuntime
import PythonTooling

/// How `serve` starts workers of Python functions: `fnhost-python` (next to this binary) with the
/// virtual environment of the function's current requirements set.
struct PythonWorkers: Sendable {
    let store: PythonEnvironmentStore
    /// The functions folder (absolute).
    let directory: String
    /// The Python worker program (`WorkerPrograms`: `fnhost-python`, next to this binary).
    let executable: String
    /// This host's own program (`fnhost`), which builds environments with `deps`.
    let host: String

    /// `environments`: the folder of the virtual environments (`--python-envs`).
    init(environments: String, catalog: FunctionCatalog, host: String) {
        self.host = host
        store = PythonEnvironmentStore(root: environments)
        directory = Paths.absolute(catalog.directory)
        executable = WorkerPrograms.program(for: .python).executable
    }

    /// The program and leading arguments of a worker of `spec` (see `HostOptions.workerPrograms`).
    @Sendable func program(_ spec: FunctionSpec) -> [String] { command("worker", spec) }

    /// `fnhost-python <subcommand> --environment <the environment of spec's requirements>`.
    func command(_ subcommand: String, _ spec: FunctionSpec) -> [String] {
        let key = store.key(functionFolder: "\(directory)/\(spec.name)")
        return [executable, subcommand, "--environment", store.path(key: key)]
    }

    /// What must run before new workers of `spec` start: building the environment of its current
    /// requirements set when it is not built yet (`fnhost deps`), else nothing.
    @Sendable func preparation(_ spec: FunctionSpec) -> [String]? {
        guard spec.language == .python else { return nil }
        let key = store.key(functionFolder: "\(directory)/\(spec.name)")
        if case .ready = store.status(key: key) { return nil }
        return [host, "deps", "--functions", directory, spec.name, "--python-envs", store.root]
    }

    /// The Python workers of `catalog`, after building the environments its Python functions need
    /// (progress on standard error).
    static func start(catalog: FunctionCatalog, environments: String, host: String) throws -> PythonWorkers {
        let workers = PythonWorkers(environments: environments, catalog: catalog, host: host)
        let functions = catalog.functions.filter { $0.language == .python }
        if !functions.isEmpty {
            _ = try prepare(
                catalog: catalog, functions: functions, store: workers.store,
                say: { Paths.printToStandardError("fnhost: " + $0 + "\n") })
        }
        return workers
    }

    /// Builds the environments `functions` need that are not ready (2 at a time), saying each step
    /// and a summary; a failed build is recorded for its functions to answer with, never thrown.
    static func prepare(
        catalog: FunctionCatalog, functions: [FunctionSpec], store: PythonEnvironmentStore, rebuild: Bool = false,
        timeout: Double = 900, say: @escaping @Sendable (String) -> Void
    ) throws -> PythonEnvironmentReport {
        let plan: PythonEnvironmentPlan
        do {
            plan = try store.plan(catalog: catalog, functions: functions)
        } catch {
            throw ValidationError(error.message)
        }
        say(
            "\(functions.count) Python function\(functions.count == 1 ? "" : "s"), \(plan.environments.count) environment\(plan.environments.count == 1 ? "" : "s") in \(store.root) (base interpreter \(store.python))")
        for environment in plan.environments where !rebuild && !environment.needsBuild {
            say("python env \(environment.key) (\(environment.functions.joined(separator: ", "))): ready")
        }
        let results = store.build(
            plan.environmentsToBuild(rebuild: rebuild), parallelism: 2,
            options: PythonEnvironmentStore.BuildOptions(rebuild: rebuild, timeout: timeout), progress: say)
        let report = PythonEnvironmentReport(plan: plan, results: results)
        say(report.summary)
        return report
    }
}
