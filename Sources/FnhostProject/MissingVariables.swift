/// Which environment variables the functions read but nobody set, for the notice `fnhost serve`
/// prints at start. Names only: values never enter this type.
public struct MissingVariables: Sendable, Equatable {
    /// One place a function reads a variable.
    public struct Use: Sendable, Equatable {
        public var variable: String
        public var function: String
        /// Whether the read names a fallback (`os.environ.get('X', 'd')`, `os.getenv('X', 'd')`).
        public var hasDefault: Bool

        public init(variable: String, function: String, hasDefault: Bool) {
            self.variable = variable
            self.function = function
            self.hasDefault = hasDefault
        }
    }

    /// A variable no one set, with the functions that read it (sorted, each once).
    public struct Entry: Sendable, Equatable {
        public var variable: String
        public var functions: [String]
        /// True when every read of it names a fallback: the functions may work without it.
        public var optional: Bool

        public init(variable: String, functions: [String], optional: Bool) {
            self.variable = variable
            self.functions = functions
            self.optional = optional
        }
    }

    /// Unset variables, required ones first, each group sorted by name.
    public var entries: [Entry]

    /// Variables fnhost provides itself whenever it serves (the database it starts, the schema it
    /// infers or the database's default); they count as set.
    public static let providedByHost: Set<String> = ["DATABASE_URL", "MAIN_DB_SCHEMA"]

    /// - Parameters:
    ///   - uses: every read the scan found.
    ///   - isSet: whether a variable is set for a function (the process environment, the function's
    ///     own `function.json` environment, or provided by the host).
    public init(uses: [Use], isSet: (_ variable: String, _ function: String) -> Bool) {
        var functions: [String: Set<String>] = [:]
        var optional: [String: Bool] = [:]
        for use in uses where !Self.providedByHost.contains(use.variable) && !isSet(use.variable, use.function) {
            functions[use.variable, default: []].insert(use.function)
            optional[use.variable] = (optional[use.variable] ?? true) && use.hasDefault
        }
        entries = functions.map { Entry(variable: $0.key, functions: $0.value.sorted(), optional: optional[$0.key] ?? false) }
            .sorted { ($0.optional ? 1 : 0, $0.variable) < ($1.optional ? 1 : 0, $1.variable) }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The notice, one line per variable; empty when nothing is missing.
    /// - Parameter environmentFile: where to suggest setting them (the project's `.env`), if any.
    public func lines(environmentFile: String?) -> [String] {
        guard !entries.isEmpty else { return [] }
        let place = environmentFile.map { " (set them in the shell or in \($0))" } ?? " (set them in the shell or with --env-file)"
        var lines = ["fnhost: the functions read \(entries.count == 1 ? "a variable that is" : "variables that are") not set\(place):"]
        let width = entries.map(\.variable.count).max() ?? 0
        for entry in entries {
            let padding = String(repeating: " ", count: width - entry.variable.count)
            let note = entry.optional ? "  (every read has a fallback)" : ""
            lines.append("  \(entry.variable)\(padding)  read by \(entry.functions.joined(separator: ", "))\(note)")
        }
        return lines
    }
}
