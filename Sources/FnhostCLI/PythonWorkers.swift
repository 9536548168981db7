import FunctionRuntime
import PythonTooling

/// How `serve` starts workers of Python functions: `fnhost-python` (next to this binary) with the
/// virtual environment of the function's current requirements set.
struct PythonWorkers: Sendable {
    let store: PythonEnvironmentStore
    /// The functions folder (absolute).
    let directory: String
    /// `fnhost-python`, next to this binary.
    let executable: String
    /// `--run-dir`: environments live in `<run-dir>/python/envs`.
    let runDirectory: String
    /// This host's own program (`fnhost`), which builds environments with `deps`.
    let host: String

    init(runDirectory: String, catalog: FunctionCatalog, host: String) {
        self.runDirectory = runDirectory
        self.host = host
        store = PythonEnvironmentStore(root: runDirectory + "/python/envs")
        directory = Paths.absolute(catalog.directory)
        executable = Paths.siblingExecutable("fnhost-python")
    }

    /// The program and leading arguments of a worker of `spec` (see `HostOptions.workerPrograms`).
    @Sendable func program(_ spec: FunctionSpec) -> [String] {
        let key = store.key(functionFolder: "\(directory)/\(spec.name)")
        return [executable, "worker", "--environment", store.path(key: key)]
    }

    /// What must run before new workers of `spec` start: building the environment of its current
    /// requirements set when it is not built yet (`fnhost deps`), else nothing.
    @Sendable func preparation(_ spec: FunctionSpec) -> [String]? {
        guard spec.language == .python else { return nil }
        let key = store.key(functionFolder: "\(directory)/\(spec.name)")
        if case .ready = store.status(key: key) { return nil }
        return [host, "deps", "--functions", directory, spec.name, "--run-dir", runDirectory]
    }
}
