import FunctionRuntime

/// What the status page shows, as plain values: built by the master from its pools, the workers'
/// scoreboard slots, the scheduler and the status providers, and rendered as JSON, Prometheus text
/// or a table. Pure, so every rendering is tested on its own.
public struct StatusReport: Sendable, Equatable {
    public struct Pool: Sendable, Equatable {
        public var function: String
        /// Worker processes configured (`concurrency`).
        public var poolSize: Int
        /// Running an invocation now.
        public var busy: Int
        /// Able to take one now.
        public var idle: Int
        /// Invocations accepted: completed plus running.
        public var accepted: Int
        public var completed: Int
        /// Completed with an error outcome (thrown, malformed, refused).
        public var errors: Int
        public var throttled: Int
        public var timeouts: Int
        public var crashes: Int
        public var respawns: Int
        public var recycled: Int
        /// Requests waiting for a worker now, and the most that ever waited.
        public var queueLength: Int
        public var maxQueueLength: Int
        /// The most invocations running at once.
        public var maxActive: Int
        /// Invocations slower than the function's slow threshold.
        public var slow: Int
        public var timers: [Timer]
        /// `swift` or `python`.
        public var language: String = "swift"
        /// Reloads of the function (hot reload, SIGHUP) and the workers they replaced.
        public var reloads: Int = 0
        public var reloadedWorkers: Int = 0
        /// Times accepting on the function's socket paused because `accept` failed (out of descriptors).
        public var acceptPauses: Int = 0
    }

    public struct Timer: Sendable, Equatable {
        public var name: String
        public var cron: String
        /// Next scheduled fire, Unix seconds (nil: disabled or never).
        public var nextFire: Int64?
        public var fired: Int
        public var skipped: Int
        public var running: Bool
        public var lastStatus: Int
    }

    /// A cluster host's part: whether it fires the timers now, and who does.
    public struct Cluster: Sendable, Equatable {
        public var leadsTimers: Bool
        /// The leading host's name as last seen, nil when none or unknown.
        public var timerLeader: String?
        /// serving, draining, ... (the health endpoint's word).
        public var state: String
    }

    public var uptimeSeconds: Double
    public var pools: [Pool]
    /// Sections from status providers (the task queue), by name.
    public var extras: [String: JSONValue]
    /// Times accepting on the status page's own socket paused because `accept` failed.
    public var adminAcceptPauses: Int = 0
    /// The host's name: a `host` field, and a `host` label on every metric, so that a Prometheus
    /// scraping several hosts can tell and sum them. Nil: neither.
    public var host: String?
    /// Set on a cluster's hosts (`--cluster`).
    public var cluster: Cluster?

    public init(uptimeSeconds: Double, pools: [Pool], extras: [String: JSONValue]) {
        self.uptimeSeconds = uptimeSeconds
        self.pools = pools
        self.extras = extras
    }

    public func json() -> JSONValue {
        var functions: JSONObject = [:]
        for pool in pools {
            functions[pool.function] = .object([
                "pool_size": .number(Double(pool.poolSize)), "busy": .number(Double(pool.busy)),
                "idle": .number(Double(pool.idle)), "accepted": .number(Double(pool.accepted)),
                "completed": .number(Double(pool.completed)), "errors": .number(Double(pool.errors)),
                "throttled": .number(Double(pool.throttled)), "timeouts": .number(Double(pool.timeouts)),
                "crashes": .number(Double(pool.crashes)), "respawns": .number(Double(pool.respawns)),
                "recycled": .number(Double(pool.recycled)), "queue_length": .number(Double(pool.queueLength)),
                "max_queue_length": .number(Double(pool.maxQueueLength)), "max_active": .number(Double(pool.maxActive)),
                "slow": .number(Double(pool.slow)), "language": .string(pool.language),
                "reloads": .number(Double(pool.reloads)), "reloaded_workers": .number(Double(pool.reloadedWorkers)),
                "accept_pauses": .number(Double(pool.acceptPauses)),
                "timers": .array(pool.timers.map { timer in
                    .object([
                        "name": .string(timer.name), "cron": .string(timer.cron),
                        "next_fire": timer.nextFire.map { .string(RequestTime.iso8601(epochMilliseconds: $0 * 1000)) } ?? .null,
                        "fired": .number(Double(timer.fired)), "skipped": .number(Double(timer.skipped)),
                        "running": .bool(timer.running), "last_status": .number(Double(timer.lastStatus)),
                    ])
                }),
            ])
        }
        var root: JSONObject = [
            "uptime_seconds": .number((uptimeSeconds * 10).rounded() / 10), "functions": .object(functions),
            "accept_pauses": .number(Double(adminAcceptPauses + pools.reduce(0) { $0 + $1.acceptPauses })),
        ]
        if let host { root["host"] = .string(host) }
        if let cluster {
            root["cluster"] = .object([
                "leads_timers": .bool(cluster.leadsTimers), "timer_leader": cluster.timerLeader.map(JSONValue.string) ?? .null,
                "state": .string(cluster.state),
            ])
        }
        for (name, value) in extras.sorted(by: { $0.key < $1.key }) { root[name] = value }
        return .object(root)
    }

    /// Prometheus text exposition (version 0.0.4): one gauge or counter per pool number, labelled by
    /// function; timers labelled by function and trigger; numeric provider values flattened; every
    /// sample labelled with the host when it has a name.
    public func prometheus() -> String {
        var lines: [String] = []
        let hostLabel = host.map { "host=\"\(Self.labelValue($0))\"" }
        func metric(_ name: String, _ type: String, _ help: String, _ values: [(String, Double)]) {
            lines.append("# HELP fnhost_\(name) \(help)")
            lines.append("# TYPE fnhost_\(name) \(type)")
            for (labels, value) in values {
                let all = [hostLabel, labels.isEmpty ? nil : labels].compactMap { $0 }.joined(separator: ",")
                lines.append("fnhost_\(name){\(all)} \(Self.number(value))")
            }
        }
        func perPool(_ keyPath: KeyPath<Pool, Int>) -> [(String, Double)] {
            pools.map { ("function=\"\($0.function)\"", Double($0[keyPath: keyPath])) }
        }
        metric("pool_size", "gauge", "Worker processes configured.", perPool(\.poolSize))
        metric("workers_busy", "gauge", "Workers running an invocation.", perPool(\.busy))
        metric("workers_idle", "gauge", "Workers able to take an invocation.", perPool(\.idle))
        metric("invocations_accepted_total", "counter", "Invocations accepted.", perPool(\.accepted))
        metric("invocations_errors_total", "counter", "Invocations that ended in an error.", perPool(\.errors))
        metric("throttled_total", "counter", "Requests answered 429.", perPool(\.throttled))
        metric("timeouts_total", "counter", "Invocations past their timeout (504).", perPool(\.timeouts))
        metric("crashes_total", "counter", "Worker processes that died unexpectedly.", perPool(\.crashes))
        metric("respawns_total", "counter", "Worker processes started to replace others.", perPool(\.respawns))
        metric("recycled_total", "counter", "Workers replaced after maxRequests or over memory.", perPool(\.recycled))
        metric("reloads_total", "counter", "Reloads of the function's code or configuration.", perPool(\.reloads))
        metric("queue_length", "gauge", "Requests waiting for a worker.", perPool(\.queueLength))
        metric("max_active", "gauge", "Most invocations running at once.", perPool(\.maxActive))
        metric("slow_invocations_total", "counter", "Invocations slower than the slow threshold.", perPool(\.slow))
        metric("accept_pauses_total", "counter", "Pauses of accepting after accept failed (out of descriptors).",
            perPool(\.acceptPauses) + [("listener=\"admin\"", Double(adminAcceptPauses))])
        let timers = pools.flatMap { pool in pool.timers.map { (pool.function, $0) } }
        metric("timer_fired_total", "counter", "Timer ticks that invoked the function.",
            timers.map { ("function=\"\($0.0)\",trigger=\"\($0.1.name)\"", Double($0.1.fired)) })
        metric("timer_skipped_total", "counter", "Timer ticks skipped: previous still running or pool full.",
            timers.map { ("function=\"\($0.0)\",trigger=\"\($0.1.name)\"", Double($0.1.skipped)) })
        if let cluster {
            metric("timer_leader", "gauge", "1 while this host fires the cluster's timers.", [("", cluster.leadsTimers ? 1 : 0)])
        }
        for (section, value) in extras.sorted(by: { $0.key < $1.key }) {
            Self.flatten(value, prefix: section, labels: hostLabel.map { "{\($0)}" } ?? "", into: &lines)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func flatten(_ value: JSONValue, prefix: String, labels: String, into lines: inout [String]) {
        switch value {
        case .number(let number): lines.append("fnhost_\(metricName(prefix))\(labels) \(Self.number(number))")
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                flatten(member, prefix: "\(prefix)_\(key)", labels: labels, into: &lines)
            }
        default: break
        }
    }

    /// A label value with its backslashes, quotes and newlines escaped, as the text format asks.
    private static func labelValue(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func metricName(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// The JSON status as a table for a terminal (what `fnhost status` prints).
    public static func table(_ status: JSONValue) -> String {
        let columns = ["function", "pool", "busy", "idle", "accepted", "errors", "429", "504", "crash", "respawn", "queue", "max", "slow"]
        var rows: [[String]] = [columns]
        var timerLines: [String] = []
        for (name, pool) in (status["functions"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            func value(_ key: String) -> String { (pool[key]?.numberValue).map { String(Int($0)) } ?? "-" }
            rows.append([
                name, value("pool_size"), value("busy"), value("idle"), value("accepted"), value("errors"),
                value("throttled"), value("timeouts"), value("crashes"), value("respawns"), value("queue_length"),
                value("max_active"), value("slow"),
            ])
            for timer in pool["timers"]?.arrayValue ?? [] {
                let next = timer["next_fire"]?.stringValue ?? "never"
                timerLines.append(
                    "  \(name) / \(timer["name"]?.stringValue ?? "?") (\(timer["cron"]?.stringValue ?? "")): fired \(Int(timer["fired"]?.numberValue ?? 0)), skipped \(Int(timer["skipped"]?.numberValue ?? 0)), next \(next)")
            }
        }
        let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var output = rows.map { row in
            row.enumerated().map { index, cell in
                index == 0 ? cell.padding(to: widths[index]) : cell.leftPadding(to: widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
        if !timerLines.isEmpty { output += "\n\ntimers:\n" + timerLines.joined(separator: "\n") }
        for (name, section) in (status.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
        where !["functions", "uptime_seconds", "accept_pauses", "host"].contains(name) {
            output += "\n\n\(name): \(section.encoded())"
        }
        if let pauses = status["accept_pauses"]?.numberValue, pauses > 0 {
            output += "\n\naccept paused (out of descriptors): \(Int(pauses)) times"
        }
        if let uptime = status["uptime_seconds"]?.numberValue { output += "\n\nuptime: \(Int(uptime)) s" }
        if let host = status["host"]?.stringValue { output += "\nhost: \(host)" }
        return output
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    fileprivate func leftPadding(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
