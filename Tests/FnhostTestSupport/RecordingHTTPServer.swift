import Synchronization

/// A loopback HTTP/1.1 server that records each request line and Host header it gets and answers
/// `{"forwardedTo":"recorder","path":"<request target>"}`, closing the connection after it. It
/// stands in for the real platform behind `--platform-upstream`.
public final class RecordingHTTPServer: Sendable {
    public struct Request: Sendable, Equatable {
        public var method: String
        public var target: String
        public var host: String
    }

    private let server: TestHTTPServer
    private let log: Log

    private final class Log: Sendable {
        let requests = Mutex<[Request]>([])
    }

    public init() throws {
        let log = Log()
        self.log = log
        server = try TestHTTPServer { request in
            log.requests.withLock { $0.append(Request(method: request.method, target: request.target, host: request.header("Host") ?? "")) }
            let body = Array(#"{"forwardedTo":"recorder","path":"\#(request.target)"}"#.utf8)
            return .response(status: 200, headers: [("Content-Type", "application/json")], body: body, closeAfter: true)
        }
    }

    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }

    /// The requests received so far.
    public var received: [Request] { log.requests.withLock { $0 } }

    /// Stops accepting and cuts open connections. Idempotent.
    public func stop() { server.stop() }
}
