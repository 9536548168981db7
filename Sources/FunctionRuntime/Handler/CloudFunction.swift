/// A cloud function: the Swift form of a poehali.dev `handler(event, context)`.
///
/// The host makes one instance per worker process, when the process starts (a cold start), and
/// reuses it for every invocation that process serves (a warm start): state such as a database
/// connection kept in the instance is reused, exactly as module-level state is on the platform. A
/// process serves one invocation at a time, so `handle` never runs concurrently with itself and may
/// block (on libpq, libcurl, ...).
///
/// What the client sees:
/// - The returned `Response`, mapped by the platform's rules (`ResponseMapper`).
/// - A thrown `ResponseConvertibleError`: its `response`, as if it had been returned.
/// - Any other thrown error: 502 `{"errorMessage", "errorType", "stackTrace"}` with `X-Function-Error: true`.
/// - A handler still running at the function's timeout: 504; its process is killed and replaced.
/// - A crash (trap, fatal signal): 502; only this invocation is lost and the process is replaced.
/// - A client that disconnects does not stop the handler: it runs to the end (or its timeout).
public protocol CloudFunction {
    /// Called once per worker process, before its first invocation. Throwing here makes every
    /// invocation answer 502 until a later attempt succeeds (it is retried on the next invocation).
    init() throws

    /// One invocation.
    mutating func handle(_ event: Event, context: Context) throws -> Response
}

/// The functions a host binary can run, by the name `func2url.json` gives them.
public struct FunctionRegistry: Sendable {
    public typealias Factory = @Sendable () throws -> any CloudFunction

    private var factories: [String: Factory] = [:]

    public init() {}

    /// Registers a function type under a name (its folder name under `functions/`).
    public mutating func register<F: CloudFunction>(_ name: String, _ type: F.Type) {
        factories[name] = { try F() }
    }

    public func factory(for name: String) -> Factory? { factories[name] }

    public var names: [String] { factories.keys.sorted() }

    /// Both registries' functions; on a name in both, `other`'s wins.
    public func merging(_ other: FunctionRegistry) -> FunctionRegistry {
        var merged = self
        merged.factories.merge(other.factories) { _, new in new }
        return merged
    }
}
