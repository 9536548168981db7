import FastCGI
import Foundation

/// A FastCGI client on a function's own unix socket, past nginx, as any local process that can
/// connect could: the master accepts it as it accepts nginx's connections, so a test can send what
/// nginx never would (a body shorter than its `CONTENT_LENGTH`, a connection reset in the middle of
/// a body, a forged trigger marker) and read the records that come back.
public final class DirectFastCGIClient {
    public let descriptor: Int32
    private var closed = false

    /// Connects to the unix socket at `path`.
    public init(path: String) throws {
        descriptor = try LoopbackSocket.connect(unixPath: path)
    }

    deinit { close() }

    /// One request with `parameters` and `body` on a connection of its own, and the status and
    /// body of the answer (nil when none came within `timeoutSeconds`).
    public static func exchange(
        socketPath: String, parameters: [(String, String)], body: [UInt8], timeoutSeconds: Double = 15
    ) throws -> (status: Int, body: [UInt8])? {
        let client = try DirectFastCGIClient(path: socketPath)
        try client.send(FastCGIRecord.request(requestId: 1, parameters: parameters, body: body))
        return FastCGIRecord.parseResponse(client.readAnswer(within: timeoutSeconds).bytes)
    }

    /// The socket of `function` in a running stack, as nginx's configuration names it.
    public static func socketPath(of function: String, in stack: HostStack) throws -> String {
        let configuration = try String(
            contentsOf: stack.runDirectory.appendingPathComponent("nginx/conf/nginx.conf"), encoding: .utf8)
        for line in configuration.split(separator: "\n") {
            guard let start = line.range(of: "unix:") else { continue }
            let path = line[start.upperBound...].prefix { $0 != ";" && $0 != " " }
            if path.hasSuffix("/\(function).sock") { return String(path) }
        }
        throw StackError("no socket of \(function) in nginx.conf")
    }

    /// A request as nginx sends it, for `GET ?query` (or `method`) with `body`, whose `CONTENT_LENGTH`
    /// says `announcedLength` (the body's own length unless given).
    public static func request(
        method: String = "GET", query: String = "", body: [UInt8] = [], announcedLength: Int? = nil,
        keepConnection: Bool = false
    ) -> [UInt8] {
        FastCGIRecord.request(
            requestId: 1,
            parameters: [
                ("REQUEST_METHOD", method), ("QUERY_STRING", query), ("CONTENT_TYPE", "application/json"),
                ("CONTENT_LENGTH", String(announcedLength ?? body.count)), ("REMOTE_ADDR", "127.0.0.1"),
                ("REMOTE_PORT", "40000"),
            ],
            body: body, keepConnection: keepConnection)
    }

    public func send(_ bytes: [UInt8]) throws {
        let sent = LoopbackSocket.writeAll(descriptor, bytes)
        guard sent == bytes.count else { throw StackError("send failed after \(sent) bytes: errno \(errno)") }
    }

    /// Reads until the first answer is complete (END_REQUEST), the peer closes, or `seconds` pass.
    /// Returns every byte read and whether the peer closed the connection.
    public func readAnswer(within seconds: Double = 10) -> (bytes: [UInt8], peerClosed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(seconds)
        while FastCGIRecord.parseResponse(received) == nil {
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard remaining > 0 else { return (received, false) }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            let ready = Glibc.poll(&descriptors, 1, remaining)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            let got = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return (received, true) }
            received += buffer[0..<got]
        }
        return (received, false)
    }

    /// Closes the connection with a reset (SO_LINGER 0) instead of an orderly end.
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }
}
