import FunctionRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The thin I/O layer around `PythonEnvironmentPlan`: reading functions' requirements and the store's
/// statuses into a plan, and running its builds a few at a time.
extension PythonEnvironmentStore {
    /// The requirements set of a function folder: its `requirements.txt`, or the empty set when it
    /// has none. A file that exists but cannot be read is an error naming it.
    public static func requirements(functionFolder: String) throws(PythonToolingError) -> RequirementsSet {
        let file = functionFolder + "/requirements.txt"
        guard FileTree.exists(file) else { return RequirementsSet(text: "") }
        guard access(file, R_OK) == 0 else {
            throw PythonToolingError(.fileSystem, "\(file) cannot be read: \(SystemText.errno())")
        }
        guard let bytes = FileBytes.read(file) else {
            throw PythonToolingError(.fileSystem, "\(file) cannot be read (is it a file?)")
        }
        return RequirementsSet(text: String(decoding: bytes, as: UTF8.self))
    }

    /// The plan for the Python functions among `functions` (Swift ones are skipped), whose folders
    /// are in `catalog`'s directory, with each environment's current status.
    public func plan(catalog: FunctionCatalog, functions: [FunctionSpec]) throws(PythonToolingError) -> PythonEnvironmentPlan {
        var inputs: [PythonEnvironmentPlan.Function] = []
        var statuses: [String: Status] = [:]
        for spec in functions where spec.language == .python {
            let requirements = try Self.requirements(functionFolder: catalog.folder(of: spec))
            let key = key(of: requirements)
            inputs.append(PythonEnvironmentPlan.Function(name: spec.name, key: key, requirements: requirements))
            if statuses[key] == nil { statuses[key] = status(key: key) }
        }
        return PythonEnvironmentPlan(functions: inputs, statuses: statuses)
    }

    /// Builds `environments`, `parallelism` of them at a time (default 2: builds mostly wait on the
    /// network, and a machine builds other things too), each on its own thread; returns each key's
    /// result. `progress` may be called from several threads at once.
    public func build(
        _ environments: [PythonEnvironmentPlan.Environment], parallelism: Int = 2, options: BuildOptions = BuildOptions(),
        progress: @escaping @Sendable (String) -> Void
    ) -> [String: Result<BuildOutcome, PythonToolingError>] {
        let results = Mutex<[String: Result<BuildOutcome, PythonToolingError>]>([:])
        let store = self
        ParallelWork.run(count: environments.count, width: parallelism) { index in
            let environment = environments[index]
            let result = Result { () throws(PythonToolingError) -> BuildOutcome in
                try store.build(environment.requirements, functions: environment.functions, options: options, progress: progress)
            }
            results.withLock { $0[environment.key] = result }
        }
        return results.withLock { $0 }
    }
}
