#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import Synchronization

/// Extra numbers for the status page that only the functions know (the try-on task queue): a
/// closure the host calls on a background thread every `intervalSeconds`, never on its event loop
/// (a database that hangs must not stall the host). The last answer is what the page shows.
public struct StatusProvider: Sendable {
    /// The key of its section on the status page.
    public var name: String
    /// Seconds between collections. Default 5.
    public var intervalSeconds: Double
    public var collect: @Sendable () -> JSONValue

    public init(name: String, intervalSeconds: Double = 5, collect: @escaping @Sendable () -> JSONValue) {
        self.name = name
        self.intervalSeconds = intervalSeconds
        self.collect = collect
    }
}

/// Runs the providers on one background thread and keeps their last answers.
final class StatusCollector: Sendable {
    private let providers: [StatusProvider]
    private let latest = Mutex<[String: JSONValue]>([:])
    /// Whether the sections are wanted now: in a cluster only the timer leader reports the shared
    /// queue (so a sum over hosts counts it once); while it says no, nothing is collected or shown.
    private let isWanted: @Sendable () -> Bool

    init(providers: [StatusProvider], isWanted: @escaping @Sendable () -> Bool = { true }) {
        self.providers = providers
        self.isWanted = isWanted
    }

    /// The last answer of every provider that has answered.
    var snapshot: [String: JSONValue] { isWanted() ? latest.withLock { $0 } : [:] }

    /// Starts the thread (once; nothing when there are no providers).
    func start() {
        guard !providers.isEmpty else { return }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<StatusCollector>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        if started == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<StatusCollector>.fromOpaque(context).release()
        }
    }

    private func run() {
        var due = [Double](repeating: 0, count: providers.count)
        var elapsed = 0.0
        while true {
            let wanted = isWanted()
            if !wanted { latest.withLock { $0.removeAll() } }
            for (index, provider) in providers.enumerated() where wanted && due[index] <= elapsed {
                let value = provider.collect()
                latest.withLock { $0[provider.name] = value }
                due[index] = elapsed + max(0.5, provider.intervalSeconds)
            }
            let wait = max(0.1, (due.min() ?? elapsed + 5) - elapsed)
            usleep(useconds_t(wait * 1_000_000))
            elapsed += wait
        }
    }
}
