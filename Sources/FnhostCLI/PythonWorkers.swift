import FunctionRuntime
import PythonTooling

/// How `serve` starts workers of Python functions: `fnhost-python` (next to this binary) with the
/// virtual environment of the function's current requirements set.
struct PythonWorkers: Sendable {
    let store: PythonEnvironmentStore
    let directory: String
    let executable: String

    init(runDirectory: String, catalog: FunctionCatalog) {
        store = PythonEnvironmentStore(root: runDirectory + "/python/envs")
        directory = Paths.absolute(catalog.directory)
        executable = Paths.siblingExecutable("fnhost-python")
    }

    /// The program and leading arguments of a worker of `spec` (see `HostOptions.workerPrograms`).
    @Sendable func program(_ spec: FunctionSpec) -> [String] {
        let key = store.key(functionFolder: "\(directory)/\(spec.name)")
        return [executable, "worker", "--environment", store.path(key: key)]
    }
}
