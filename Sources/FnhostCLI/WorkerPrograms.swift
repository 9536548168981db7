import ArgumentParser
import FunctionRuntime

/// The program that runs a function's worker processes: the one place that decides it by the
/// function's language.
enum WorkerProgram: Equatable {
    /// This binary (`fnhost worker ...`), with the function's `CloudFunction` compiled in.
    case compiledIn
    /// An executable next to this one, for functions written in another language.
    case sibling(name: String)

    /// The executable's path.
    var executable: String {
        switch self {
        case .compiledIn: FnhostCheckout.executablePath()
        case .sibling(let name): Paths.siblingExecutable(name)
        }
    }
}

enum WorkerPrograms {
    /// The worker program of each language: Swift functions run in this binary, Python functions
    /// (`index.py`) in `fnhost-python`.
    static func program(for language: FunctionLanguage) -> WorkerProgram {
        switch language {
        case .swift: .compiledIn
        case .python: .sibling(name: "fnhost-python")
        }
    }

    /// Refuses a catalog with a function no worker program can run: a Swift function this binary
    /// has no handler compiled for.
    static func requireRunnable(_ catalog: FunctionCatalog, registry: FunctionRegistry) throws {
        for spec in catalog.functions where program(for: spec.language) == .compiledIn && registry.factory(for: spec.name) == nil {
            throw ValidationError(
                "Function \"\(spec.name)\" is listed in func2url.json but has no index.py and this fnhost binary has no handler compiled for it")
        }
    }
}
