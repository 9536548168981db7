/// The state of a plan's environments after its builds ran, and the one-line summary `fnhost deps`
/// ends with: `3 environments: 2 ready (1 built now), 1 failed: login: No matching distribution found for flask==99`.
public struct PythonEnvironmentReport: Sendable, Equatable {
    /// One environment's final state.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var functions: [String]
        /// The failure's message, nil when the environment is ready.
        public var failure: String?
        /// Built by this run (not found ready).
        public var builtNow: Bool
    }

    /// In the plan's order.
    public var entries: [Entry]

    /// Combines the plan with the builds' results by key; an environment without a result keeps the
    /// plan's status.
    public init(plan: PythonEnvironmentPlan, results: [String: Result<PythonEnvironmentStore.BuildOutcome, PythonToolingError>]) {
        entries = plan.environments.map { environment in
            var entry = Entry(key: environment.key, functions: environment.functions, failure: nil, builtNow: false)
            switch results[environment.key] {
            case .success(.built)?:
                entry.builtNow = true
            case .success(.alreadyReady)?:
                break
            case .failure(let error)?:
                entry.failure = error.message
            case nil:
                if case .failed(let message) = environment.status { entry.failure = message }
                if case .missing = environment.status { entry.failure = "not built" }
            }
            return entry
        }
    }

    public var failedCount: Int { entries.filter { $0.failure != nil }.count }

    /// `N environments: R ready (B built now), F failed: fn, fn: message; fn: message`.
    public var summary: String {
        let total = entries.count
        let ready = total - failedCount
        let built = entries.filter(\.builtNow).count
        var text = "\(total) environment\(total == 1 ? "" : "s"): \(ready) ready"
        if built > 0 { text += " (\(built) built now)" }
        let failures = entries.compactMap { entry in
            entry.failure.map { "\(entry.functions.joined(separator: ", ")): \($0)" }
        }
        if !failures.isEmpty { text += ", \(failures.count) failed: " + failures.joined(separator: "; ") }
        return text
    }
}
