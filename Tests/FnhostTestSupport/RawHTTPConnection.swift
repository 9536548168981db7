import Foundation

/// An HTTP/1.1 connection over a plain socket to 127.0.0.1, independent of the project's HTTP
/// client and of any server's own reader: requests go out exactly as given (bytes a real client
/// library would refuse to send: bare CR, NUL, invalid UTF-8, lower-case methods, oversized
/// headers), responses are parsed by hand, one after another on a kept-alive connection. Every
/// socket has a receive timeout (default 10 s), so a server that hangs fails a test instead of
/// stalling it.
public final class RawHTTPConnection {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, receiveTimeoutSeconds: Int = 10) throws {
        do {
            fd = try LoopbackSocket.connect(port: port, timeoutSeconds: receiveTimeoutSeconds)
        } catch {
            throw Failure("\(error)")
        }
    }

    deinit { close(fd) }

    /// Writes all of `bytes`; throws when the peer stopped taking them.
    public func sendRaw(_ bytes: [UInt8]) throws {
        let sent = LoopbackSocket.writeAll(fd, bytes)
        guard sent == bytes.count else { throw Failure("send failed after \(sent) of \(bytes.count) bytes: errno \(errno)") }
    }

    /// Writes what the peer takes of `bytes` and returns how much that was (a server refusing a body
    /// it will not read stops taking it: its answer is what counts).
    @discardableResult
    public func sendWhatIsTaken(_ bytes: [UInt8]) -> Int {
        LoopbackSocket.writeAll(fd, bytes)
    }

    /// The bytes of one request with `Host` (unless given) and, when there is a body, `Content-Length`.
    public static func requestBytes(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil
    ) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { text += "Host: 127.0.0.1\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n"
        if let body { text += body }
        return Array(text.utf8)
    }

    /// Sends one request and reads its response.
    public func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil
    ) throws -> RawHTTPResponse {
        try sendRaw(Self.requestBytes(method, path, headers: headers, body: body))
        return try readResponse(isHead: method == "HEAD")
    }

    /// Reads the next final response, skipping interim (1xx) ones. A body framed by nothing runs
    /// to the end of the connection; a reset after some bytes counts as that end.
    public func readResponse(isHead: Bool = false) throws -> RawHTTPResponse {
        var ended = false
        while true {
            if let (response, length) = RawHTTPResponse.parse(buffer, isHead: isHead, complete: ended) {
                buffer.removeFirst(length)
                if response.status >= 200 { return response }
                continue
            }
            if ended {
                throw Failure(
                    "no complete HTTP response (\(buffer.count) bytes: \(String(decoding: buffer.prefix(200), as: UTF8.self)))")
            }
            ended = try !fill()
        }
    }

    /// True when the peer has closed the connection and no unread bytes remain.
    public func peerClosed() throws -> Bool {
        if !buffer.isEmpty { return false }
        return try !fill()
    }

    /// Reads more bytes; false at the end of the stream (or a reset after some bytes came). Throws
    /// on a timeout or another error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == ECONNRESET, !buffer.isEmpty { return false }
            if count < 0 { throw Failure("recv failed: errno \(errno) after \(buffer.count) bytes") }
            if count == 0 { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }
}
