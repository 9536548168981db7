#if canImport(Glibc)
import Glibc
#endif
import FnhostProject
import FunctionRuntime
import PythonTooling

/// The process environment in project mode: the `.env` file's variables set in this process
/// (inherited by workers, children and migrations) under the shell's, and the notice of variables
/// the functions read that nobody set. Only names are ever printed.
enum ProjectEnvironment {
    /// What loading an environment file did.
    struct Loaded {
        var file: String
        /// Names set from the file.
        var applied: [String]
        /// Names the file has but the shell had already set (the shell's value stays).
        var keptFromShell: [String]

        /// One line for the start banner, names only.
        var summary: String {
            var text = "  variables from \(file): " + (applied.isEmpty ? "none new" : applied.joined(separator: ", "))
            if !keptFromShell.isEmpty { text += " (the shell's \(keptFromShell.joined(separator: ", ")) kept)" }
            return text
        }
    }

    /// Reads the layout's environment file and sets its variables that the shell has not set.
    /// - Returns: nil when there is no file to read (no `--env-file` and no `.env` in the project).
    /// - Throws: `.environmentFileUnreadable` for a named file that cannot be read,
    ///   `.environmentFileSyntax` naming the file and line.
    static func load(_ layout: ProjectLayout) throws(ProjectError) -> Loaded? {
        guard let file = layout.environmentFile else { return nil }
        guard let bytes = FileBytes.read(file) else {
            guard layout.environmentFileRequired else { return nil }
            throw ProjectError(.environmentFileUnreadable, "--env-file \(file) cannot be read")
        }
        let parsed = try EnvironmentFile(parsing: String(decoding: bytes, as: UTF8.self), file: file)
        let current = ProcessEnvironment.current
        let assignments = parsed.assignments(over: current)
        for (name, value) in assignments { setenv(name, value, 0) }
        return Loaded(file: file, applied: assignments.map(\.name), keptFromShell: parsed.names.filter { current[$0] != nil })
    }

    /// Every environment variable read of the catalog's Python functions, by function.
    static func pythonReads(_ catalog: FunctionCatalog) -> [MissingVariables.Use] {
        catalog.functions.filter { $0.language == .python }.flatMap { spec in
            PythonSourceFiles.scan(catalog.folder(of: spec)).flatMap { entry in
                entry.scan.readings.map { MissingVariables.Use(variable: $0.name, function: spec.name, hasDefault: $0.hasDefault) }
            }
        }
    }

    /// The variables the functions read that are set neither in this process nor in the function's
    /// own `function.json` environment (call it after everything fnhost sets itself is set).
    static func missing(_ catalog: FunctionCatalog, reads: [MissingVariables.Use]) -> MissingVariables {
        let configured = Dictionary(catalog.functions.map { ($0.name, $0.configuration.environment) }, uniquingKeysWith: { first, _ in first })
        return MissingVariables(uses: reads) { variable, function in
            getenv(variable) != nil || configured[function]?[variable] != nil
        }
    }
}
