/// A trigger in `function.json`: `{"type": "timer", "cron": "*/5 * * * * *", "name": "drain", "payload": "..."}`.
///
/// Timer triggers fire on a cron schedule with a seconds field (6 fields; 5-field classic cron is
/// read with second 0), in UTC, by invoking the function through its own pool with the event a
/// Yandex Cloud Functions timer trigger delivers (`Event.messages`).
public struct TriggerConfiguration: Sendable, Equatable {
    /// `name`: identifies the trigger in logs, the status page and `fnhost trigger`; also the
    /// event's `details.trigger_id`. Default `timer-<n>` (n = its position, from 1).
    public var name: String
    /// `cron`: the schedule.
    public var schedule: CronExpression
    /// `payload`: the text handed to the function as `details.payload`. Default "".
    public var payload: String
    /// `enabled`: false keeps the trigger declared but never fires it on schedule (it can still be
    /// fired by hand). Default true.
    public var enabled: Bool

    public init(name: String, schedule: CronExpression, payload: String = "", enabled: Bool = true) {
        self.name = name
        self.schedule = schedule
        self.payload = payload
        self.enabled = enabled
    }

    static let knownKeys: Set<String> = ["type", "name", "cron", "payload", "enabled"]

    /// Parses the `triggers` list; errors name the file, the trigger and the reason.
    static func parseList(_ value: JSONValue, file: String) throws(ConfigurationError) -> [TriggerConfiguration] {
        guard case .array(let items) = value else { throw ConfigurationError(file: file, "\"triggers\" must be a list") }
        var triggers: [TriggerConfiguration] = []
        for (index, item) in items.enumerated() {
            let label = "\"triggers\"[\(index)]"
            guard case .object(let members) = item else { throw ConfigurationError(file: file, "\(label) must be an object") }
            for key in members.keys.sorted() where !knownKeys.contains(key) {
                throw ConfigurationError(file: file, "\(label) has an unknown key \"\(key)\"")
            }
            guard members["type"]?.stringValue == "timer" else {
                throw ConfigurationError(file: file, "\(label): \"type\" must be \"timer\" (the only trigger type)")
            }
            guard let cronText = members["cron"]?.stringValue else {
                throw ConfigurationError(file: file, "\(label): \"cron\" is required, e.g. \"*/10 * * * * *\"")
            }
            let schedule: CronExpression
            do {
                schedule = try CronExpression(parsing: cronText)
            } catch {
                throw ConfigurationError(file: file, "\(label): invalid cron \"\(cronText)\": \(error.reason)")
            }
            var name = "timer-\(index + 1)"
            if let given = members["name"] {
                guard case .string(let text) = given, FunctionCatalog.isValidName(text) else {
                    throw ConfigurationError(file: file, "\(label): \"name\" must be 1-63 letters, digits, - or _")
                }
                name = text
            }
            guard !triggers.contains(where: { $0.name == name }) else {
                throw ConfigurationError(file: file, "\(label): the name \"\(name)\" is used twice")
            }
            var payload = ""
            switch members["payload"] {
            case nil, .null?: break
            case .string(let text)?: payload = text
            case let other?: payload = other.encoded()
            }
            var enabled = true
            if let flag = members["enabled"] {
                guard case .bool(let value) = flag else { throw ConfigurationError(file: file, "\(label): \"enabled\" must be true or false") }
                enabled = value
            }
            triggers.append(TriggerConfiguration(name: name, schedule: schedule, payload: payload, enabled: enabled))
        }
        return triggers
    }
}
