import FunctionRuntime
import Glibc
@testable import ReplicateStandIn

/// A tiny blocking HTTP/1.1 client on raw sockets, just enough to drive the stand-in in tests.
///
/// Deliberately independent of the project's HTTPClient module and of the server's own reader:
/// it writes requests by hand and parses responses itself (status line, headers,
/// `Content-Length` body), so protocol mistakes in the server show up here. Every socket has a
/// 10 s receive timeout, so a broken server fails a test instead of hanging it.
final class TestConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveTimeoutSeconds: Int = 10) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect to port \(port) failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Writes raw bytes.
    func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += written
        }
    }

    /// The bytes of one request with `Host` (unless given) and (when there is a body) `Content-Length`.
    static func requestBytes(_ method: String, _ path: String, headers: [(String, String)] = [],
                             body: String? = nil) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { text += "Host: 127.0.0.1\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n"
        if let body { text += body }
        return Array(text.utf8)
    }

    /// Sends one request and reads its response.
    func request(_ method: String, _ path: String, headers: [(String, String)] = [],
                 body: String? = nil) throws -> TestResponse {
        try sendRaw(Self.requestBytes(method, path, headers: headers, body: body))
        return try readResponse(isHead: method == "HEAD")
    }

    /// Reads more bytes; false at end of stream. Throws on a timeout or error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65_536, 0) }
        if count < 0 { throw Failure(description: "recv failed: errno \(errno)") }
        if count == 0 { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    /// True when the peer has closed the connection and no unread bytes remain.
    func peerClosed() throws -> Bool {
        if !buffer.isEmpty { return false }
        return try !fill()
    }

    /// Reads and parses one response (skipping interim 1xx responses).
    func readResponse(isHead: Bool = false) throws -> TestResponse {
        while true {
            let response = try readOne(isHead: isHead)
            if response.status >= 200 { return response }
        }
    }

    private func readOne(isHead: Bool) throws -> TestResponse {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            headEnd = HTTPRequestReader.find(terminator, in: buffer, from: 0)
            if headEnd == nil, try !fill() {
                throw Failure(description: "connection closed after \(buffer.count) bytes without a full response")
            }
        }
        guard let headEnd else { throw Failure(description: "unreachable") }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line in: \(head)")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "bad header line \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " ")))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        let length = status < 200 ? 0 : (response.header("Content-Length").flatMap { Int($0) } ?? -1)
        guard length >= 0 else { throw Failure(description: "response without Content-Length: \(head)") }
        let bodyLength = isHead ? 0 : length
        while buffer.count < headEnd + 4 + bodyLength {
            guard try fill() else { throw Failure(description: "connection closed inside the body") }
        }
        response.body = Array(buffer[(headEnd + 4)..<(headEnd + 4 + bodyLength)])
        buffer.removeFirst(headEnd + 4 + bodyLength)
        return response
    }
}

extension String {
    /// Splits on a separator string (no Foundation in the test target either).
    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

/// One parsed response.
struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (throws when it is not JSON).
    func json() throws -> JSONValue {
        try JSONValue.parse(body)
    }
}
