/// Which environments a set of Python functions needs and which of them must be built: functions
/// are grouped by their requirements set's key, so each distinct set is built once however many
/// functions share it. Pure: the caller reads the requirements files and the store's statuses.
public struct PythonEnvironmentPlan: Sendable, Equatable {
    /// One Python function's input to the plan.
    public struct Function: Sendable, Equatable {
        public var name: String
        /// `PythonEnvironmentStore.key(of: requirements)`.
        public var key: String
        public var requirements: RequirementsSet

        public init(name: String, key: String, requirements: RequirementsSet) {
            self.name = name
            self.key = key
            self.requirements = requirements
        }
    }

    /// One distinct requirements set and the functions that use it.
    public struct Environment: Sendable, Equatable {
        public var key: String
        public var requirements: RequirementsSet
        /// Sorted by name.
        public var functions: [String]
        /// What the store had when the plan was made.
        public var status: PythonEnvironmentStore.Status

        /// Missing, or its last build failed.
        public var needsBuild: Bool {
            if case .ready = status { return false }
            return true
        }
    }

    /// The distinct environments, ordered by their first function's name.
    public var environments: [Environment]

    /// Groups `functions` by key; `statuses` gives each key's state (a key absent from it counts as
    /// missing).
    public init(functions: [Function], statuses: [String: PythonEnvironmentStore.Status]) {
        var byKey: [String: Environment] = [:]
        for function in functions {
            if byKey[function.key] == nil {
                byKey[function.key] = Environment(
                    key: function.key, requirements: function.requirements, functions: [],
                    status: statuses[function.key] ?? .missing)
            }
            byKey[function.key]?.functions.append(function.name)
        }
        environments = byKey.values
            .map { environment in
                var sorted = environment
                sorted.functions.sort()
                return sorted
            }
            .sorted { ($0.functions.first ?? "", $0.key) < ($1.functions.first ?? "", $1.key) }
    }

    /// Function names by environment key.
    public var functionsByKey: [String: [String]] {
        Dictionary(uniqueKeysWithValues: environments.map { ($0.key, $0.functions) })
    }

    /// The environments to build: missing or failed ones, or all of them with `rebuild`.
    public func environmentsToBuild(rebuild: Bool = false) -> [Environment] {
        rebuild ? environments : environments.filter(\.needsBuild)
    }
}
