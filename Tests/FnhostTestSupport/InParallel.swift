import Foundation
import Synchronization

/// Runs `count` blocking jobs on their own threads at once and returns their results in order.
public func inParallel<T: Sendable>(_ count: Int, _ job: @escaping @Sendable (Int) -> T) -> [T] {
    let results = ResultBox<T>(count: count)
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            results.set(index, job(index))
            group.leave()
        }
    }
    group.wait()
    return results.values
}

private final class ResultBox<T: Sendable>: Sendable {
    private let storage: Mutex<[T?]>
    init(count: Int) { storage = Mutex(Array(repeating: nil, count: count)) }
    func set(_ index: Int, _ value: T) { storage.withLock { $0[index] = value } }
    var values: [T] { storage.withLock { $0.compactMap { $0 } } }
}
