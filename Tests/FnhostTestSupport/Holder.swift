import Synchronization

/// A value another thread sets, read once it has.
public final class Holder<T: Sendable>: Sendable {
    private let storage = Mutex<T?>(nil)
    public init() {}
    public func set(_ value: T?) { storage.withLock { $0 = value } }
    public var value: T? { storage.withLock { $0 } }
}
