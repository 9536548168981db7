#if canImport(Glibc)
import Glibc
#endif

/// A system call that failed: which one, and errno.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Every system call of the host passes here: EINTR is retried, -1 becomes a `SystemCallError` that
/// names the call. (swift-nio's pattern.)
@discardableResult
func systemCall<T: BinaryInteger>(_ name: String, _ body: () -> T) throws(SystemCallError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(name, errno: code)
    }
}

/// The same for calls whose EAGAIN is an answer rather than a failure: nil means "would block".
func nonBlockingCall<T: BinaryInteger>(_ name: String, _ body: () -> T) throws(SystemCallError) -> T? {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        throw SystemCallError(name, errno: code)
    }
}
