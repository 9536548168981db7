/// Why the stand-in could not start, bind or keep serving.
///
/// One error type for the module: a coarse ``Code`` to act on plus the failing system call
/// and its `errno`, so a log line says exactly what the kernel refused (for example
/// `bind(127.0.0.1:8080) failed: errno 98`, address in use).
public struct StandInError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, coarsely.
    public enum Code: Sendable, Hashable {
        /// The configuration is unusable (bad host literal, port out of range).
        case invalidConfiguration
        /// A socket call (`socket`, `bind`, `listen`, `accept`, `getsockname`) failed.
        case socket
        /// A thread could not be created.
        case thread
        /// `start()` was called twice, or after `stop()`.
        case invalidState
    }

    /// The coarse outcome.
    public var code: Code
    /// Human-readable detail: the call and its argument. For logs; do not parse.
    public var message: String
    /// The `errno` value (or pthread return code) when a system call failed, else nil.
    public var errnoValue: Int32?

    public init(code: Code, message: String, errnoValue: Int32? = nil) {
        self.code = code
        self.message = message
        self.errnoValue = errnoValue
    }

    public var description: String {
        if let errnoValue {
            return "StandInError.\(code): \(message) (errno \(errnoValue))"
        }
        return "StandInError.\(code): \(message)"
    }
}
