/// A pool's place in the master's list of pools. Pools are only ever appended (a function taken
/// out of `func2url.json` keeps its pool, marked `removed`), so an index names one pool for the
/// host's whole life.
struct PoolIndex: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    let rawValue: Int

    init(_ rawValue: Int) { self.rawValue = rawValue }
    init(integerLiteral value: Int) { rawValue = value }

    static func < (left: PoolIndex, right: PoolIndex) -> Bool { left.rawValue < right.rawValue }
    var description: String { String(rawValue) }
}

/// A worker's place in its pool (`FunctionPool.workers`): it keeps its index while the processes
/// in it die and are replaced. The places below the pool's desired size are kept filled.
struct WorkerIndex: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    let rawValue: Int

    init(_ rawValue: Int) { self.rawValue = rawValue }
    init(integerLiteral value: Int) { rawValue = value }

    static func < (left: WorkerIndex, right: WorkerIndex) -> Bool { left.rawValue < right.rawValue }
    var description: String { String(rawValue) }
}

extension Array where Element == FunctionPool {
    subscript(index: PoolIndex) -> FunctionPool {
        get { self[index.rawValue] }
        _modify { yield &self[index.rawValue] }
    }

    /// Every pool's index, in order.
    var poolIndices: [PoolIndex] { indices.map { PoolIndex($0) } }

    /// The first pool that satisfies `predicate`.
    func firstPoolIndex(where predicate: (FunctionPool) -> Bool) -> PoolIndex? {
        firstIndex(where: predicate).map { PoolIndex($0) }
    }
}

extension Array where Element == WorkerRecord {
    subscript(index: WorkerIndex) -> WorkerRecord {
        get { self[index.rawValue] }
        _modify { yield &self[index.rawValue] }
    }

    /// Every worker's index, in order.
    var workerIndices: [WorkerIndex] { indices.map { WorkerIndex($0) } }
}
