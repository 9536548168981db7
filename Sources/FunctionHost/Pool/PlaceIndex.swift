/// A place in one of the master's arrays, typed by what the array holds, so that a pool's place
/// and a worker's place cannot be mixed up: `PoolIndex` and `WorkerIndex`.
struct PlaceIndex<Element>: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    let rawValue: Int

    init(_ rawValue: Int) { self.rawValue = rawValue }
    init(integerLiteral value: Int) { rawValue = value }

    static func < (left: PlaceIndex, right: PlaceIndex) -> Bool { left.rawValue < right.rawValue }
    var description: String { String(rawValue) }
}

/// A pool's place in the master's list of pools. Pools are only ever appended (a function taken
/// out of `func2url.json` keeps its pool, marked `removed`), so an index names one pool for the
/// host's whole life.
typealias PoolIndex = PlaceIndex<FunctionPool>

/// A worker's place in its pool (`FunctionPool.workers`): it keeps its index while the processes
/// in it die and are replaced. The places below the pool's desired size are kept filled.
typealias WorkerIndex = PlaceIndex<WorkerRecord>

extension Array {
    subscript(index: PlaceIndex<Element>) -> Element {
        get { self[index.rawValue] }
        _modify { yield &self[index.rawValue] }
    }

    /// Every element's place, in order.
    var places: [PlaceIndex<Element>] { indices.map { PlaceIndex($0) } }

    /// The place of the first element that satisfies `predicate`.
    func firstPlace(where predicate: (Element) throws -> Bool) rethrows -> PlaceIndex<Element>? {
        try firstIndex(where: predicate).map { PlaceIndex($0) }
    }
}
