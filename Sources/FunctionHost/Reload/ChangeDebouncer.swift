/// Gathers file changes until they stop: an editor's save is several events (write a temporary
/// file, rename it, change attributes), and a `git checkout` is hundreds. The batch is due once no
/// change came for `quietNanoseconds`, or `maxWaitNanoseconds` after its first change, whichever
/// comes first. Pure: the time is a parameter (monotonic nanoseconds).
public struct ChangeDebouncer: Sendable {
    /// Quiet time that ends a batch. Default 50 ms.
    public var quietNanoseconds: UInt64
    /// The longest a batch waits. Default 400 ms, so a save rolls its pool well within a second.
    public var maxWaitNanoseconds: UInt64
    private var paths: [String] = []
    private var first: UInt64?
    private var last: UInt64 = 0

    public init(quietNanoseconds: UInt64 = 50_000_000, maxWaitNanoseconds: UInt64 = 400_000_000) {
        self.quietNanoseconds = quietNanoseconds
        self.maxWaitNanoseconds = maxWaitNanoseconds
    }

    public mutating func add(_ changed: [String], now: UInt64) {
        guard !changed.isEmpty else { return }
        if first == nil { first = now }
        last = now
        paths.append(contentsOf: changed)
    }

    /// When the pending batch falls due, or nil when nothing is pending.
    public var dueAt: UInt64? {
        guard let first else { return nil }
        return min(last + quietNanoseconds, first + maxWaitNanoseconds)
    }

    /// The batch (each path once, in first-seen order) when it is due; empty otherwise.
    public mutating func take(now: UInt64) -> [String] {
        guard let due = dueAt, now >= due else { return [] }
        var seen: Set<String> = []
        let batch = paths.filter { seen.insert($0).inserted }
        paths = []
        first = nil
        return batch
    }
}
