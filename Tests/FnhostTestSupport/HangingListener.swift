/// A TCP listener on 127.0.0.1 that accepts connections, reads what comes and never answers (a
/// hung peer). ``stop()`` closes the listener and every accepted connection; a second does nothing.
public final class HangingListener: Sendable {
    private let server: TestHTTPServer

    public init() throws {
        server = try TestHTTPServer { _ in .silence }
    }

    public var port: Int { server.port }

    public func stop() { server.stop() }
}
