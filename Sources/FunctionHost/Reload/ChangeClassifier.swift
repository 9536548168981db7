import FunctionRuntime

/// What a set of changed files means for the host: pure, so every rule is tested without files.
///
/// - `func2url.json` or a function's `function.json`: the configuration is read again (functions
///   added, removed, reconfigured), as SIGHUP does.
/// - A Python function's `requirements.txt`: its environment is built, then its pool rolls.
/// - Any other file in a Python function's folder: its pool rolls (new workers load the new code).
/// - A file elsewhere in the functions folder (a shared module the export's `backend/` holds):
///   every Python function's pool rolls, since any of them may import it. A folder that is not a
///   function yet but has an `index.py` is a function being written: it joins when `func2url.json`
///   names it. `tests.json` is not code.
/// - Editor droppings (swap and backup files, dotfiles), `__pycache__` and `.pyc` files are ignored,
///   as are changes to compiled (Swift) functions' folders, which need a rebuild of the binary.
public struct ChangeClassifier: Sendable {
    /// The functions folder, without a trailing slash.
    public var directory: String
    /// The catalog's functions by name.
    public var languages: [String: FunctionLanguage]

    public init(directory: String, functions: [FunctionSpec]) {
        self.directory = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        languages = Dictionary(functions.map { ($0.name, $0.language) }, uniquingKeysWith: { first, _ in first })
    }

    /// What to do about changes to `paths` (absolute).
    public func plan(_ paths: [String]) -> ReloadPlan {
        var plan = ReloadPlan()
        for path in paths {
            guard path.hasPrefix(directory + "/") else { continue }
            let relative = path.dropFirst(directory.count + 1)
            let components = relative.split(separator: "/", omittingEmptySubsequences: true)
            guard let last = components.last, !Self.isIgnored(components) else { continue }
            if components.count == 1 {
                if last == "func2url.json" {
                    plan.reloadConfiguration = true
                } else {
                    plan.roll.formUnion(pythonFunctions)
                }
                continue
            }
            let function = String(components[0])
            if components.count == 2, last == "tests.json" { continue }  // fixtures, not code
            guard let language = languages[function] else {
                // A function being written (it joins when func2url.json names it), or a shared
                // folder next to the functions, which any of them may import.
                if components.count == 2, ["index.py", "requirements.txt", "function.json"].contains(last) { continue }
                plan.roll.formUnion(pythonFunctions)
                continue
            }
            if components.count == 2, last == "function.json" {
                plan.reloadConfiguration = true
            } else if language == .python {
                if components.count == 2, last == "requirements.txt" {
                    plan.rebuild.insert(function)
                } else {
                    plan.roll.insert(function)
                }
            }
        }
        plan.roll.subtract(plan.rebuild)
        return plan
    }

    private var pythonFunctions: Set<String> {
        Set(languages.compactMap { $0.value == .python ? $0.key : nil })
    }

    /// Files no save of source makes: editor swap/backup/lock files, dotfiles, bytecode caches.
    static func isIgnored(_ components: [Substring]) -> Bool {
        for component in components where component.hasPrefix(".") || component == "__pycache__" || component == "node_modules" {
            return true
        }
        guard let name = components.last else { return true }
        return name.hasSuffix("~") || name.hasSuffix(".swp") || name.hasSuffix(".swx") || name.hasSuffix(".pyc")
            || name.hasSuffix(".tmp") || name == "4913"
    }
}

/// The host's response to a batch of file changes.
public struct ReloadPlan: Sendable, Equatable {
    /// Read `func2url.json` and every `function.json` again.
    public var reloadConfiguration = false
    /// Functions whose Python environment must be built before their pool rolls.
    public var rebuild: Set<String> = []
    /// Functions whose pool rolls now.
    public var roll: Set<String> = []

    public init(reloadConfiguration: Bool = false, rebuild: Set<String> = [], roll: Set<String> = []) {
        self.reloadConfiguration = reloadConfiguration
        self.rebuild = rebuild
        self.roll = roll
    }

    public var isEmpty: Bool { !reloadConfiguration && rebuild.isEmpty && roll.isEmpty }
}
