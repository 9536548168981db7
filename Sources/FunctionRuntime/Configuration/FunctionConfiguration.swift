/// A function's `function.json`: how the host runs it. Every key is optional; unknown keys are
/// refused so that a typo does not silently fall back to a default.
///
/// ```json
/// {"timeout": 30, "concurrency": 2, "memory": 128, "environment": {"KEY": "value"}}
/// ```
public struct FunctionConfiguration: Sendable, Equatable {
    /// `timeout`: seconds an invocation may run before the client gets 504 and the process is
    /// replaced. Default 30, from 0.1 to 3600 (the platform's maximum, one hour).
    public var timeoutSeconds: Double = 30
    /// `concurrency`: worker processes in the function's pool, so invocations served at once.
    /// Default 2, from 1 to 64.
    public var concurrency: Int = 2
    /// `memory`: megabytes a worker may hold; a process above it after an invocation is replaced.
    /// Also reported to handlers as `Context.memoryLimitInMB`. Default 128, from 16 to 4096.
    public var memoryMB: Int = 128
    /// `environment`: variables set in each worker process before the function starts.
    public var environment: [String: String] = [:]
    /// `version`: reported as `Context.functionVersion`. Default `"$LATEST"`.
    public var version: String = "$LATEST"
    /// `maxRequests`: invocations a worker serves before it is replaced (against leaks in C
    /// libraries), php-fpm's `pm.max_requests`. Default 100000; 0 never recycles.
    public var maxRequests: Int = 100_000
    /// `queueTimeout`: seconds a request waits for a free worker before it gets 429. Default 5,
    /// from 0 to 600.
    public var queueTimeoutSeconds: Double = 5
    /// `maxQueue`: requests that may wait for a worker at once; more get 429 at once. Default 128.
    public var maxQueue: Int = 128
    /// `description`: free text for people.
    public var description: String = ""
    /// `slowThreshold`: seconds after which an invocation is logged as slow (with its request id
    /// and duration) and counted on the status page. Default: half the timeout.
    public var slowThresholdSeconds: Double?
    /// `triggers`: timer triggers (see `TriggerConfiguration`). Default none.
    public var triggers: [TriggerConfiguration] = []

    /// The slow-invocation threshold in effect, seconds.
    public var effectiveSlowThresholdSeconds: Double { slowThresholdSeconds ?? timeoutSeconds / 2 }

    public init() {}

    static let knownKeys: Set<String> = [
        "timeout", "concurrency", "memory", "environment", "version", "maxRequests", "queueTimeout", "maxQueue",
        "description", "slowThreshold", "triggers",
    ]

    /// Parses `function.json` text; errors name the file and the key.
    public static func parse(_ bytes: [UInt8], file: String) throws(ConfigurationError) -> FunctionConfiguration {
        guard let value = try? JSONValue.parse(bytes) else { throw ConfigurationError(file: file, "is not valid JSON") }
        guard case .object(let members) = value else { throw ConfigurationError(file: file, "must be a JSON object") }
        for key in members.keys.sorted() where !knownKeys.contains(key) {
            throw ConfigurationError(
                file: file, "has an unknown key \"\(key)\" (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        var configuration = FunctionConfiguration()
        func number(_ key: String, _ range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
            guard let member = members[key] else { return nil }
            guard case .number(let number) = member, range.contains(number) else {
                throw ConfigurationError(file: file, "\"\(key)\" must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            guard let member = members[key] else { return nil }
            guard case .number(let number) = member, let value = Int(exactly: number), range.contains(value) else {
                throw ConfigurationError(file: file, "\"\(key)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        func string(_ key: String) throws(ConfigurationError) -> String? {
            guard let member = members[key] else { return nil }
            guard case .string(let text) = member else { throw ConfigurationError(file: file, "\"\(key)\" must be a string") }
            return text
        }
        if let value = try number("timeout", 0.1...3600) { configuration.timeoutSeconds = value }
        if let value = try integer("concurrency", 1...64) { configuration.concurrency = value }
        if let value = try integer("memory", 16...4096) { configuration.memoryMB = value }
        if let value = try integer("maxRequests", 0...1_000_000_000) { configuration.maxRequests = value }
        if let value = try number("queueTimeout", 0...600) { configuration.queueTimeoutSeconds = value }
        if let value = try integer("maxQueue", 0...100_000) { configuration.maxQueue = value }
        if let value = try string("version") { configuration.version = value }
        if let value = try string("description") { configuration.description = value }
        if let value = try number("slowThreshold", 0.001...600) { configuration.slowThresholdSeconds = value }
        if let value = members["triggers"] { configuration.triggers = try TriggerConfiguration.parseList(value, file: file) }
        if let member = members["environment"] {
            guard case .object(let variables) = member else {
                throw ConfigurationError(file: file, "\"environment\" must be an object of strings")
            }
            for (name, value) in variables {
                guard case .string(let text) = value else {
                    throw ConfigurationError(file: file, "\"environment\".\(name) must be a string")
                }
                guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "=")), !name.utf8.contains(0) else {
                    throw ConfigurationError(file: file, "\"environment\" has an invalid variable name \"\(name)\"")
                }
                configuration.environment[name] = text
            }
        }
        return configuration
    }
}

/// A configuration file that cannot be used: which file, and why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var reason: String

    public init(file: String, _ reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file) \(reason)" }
}
