import CHostSupport
import Foundation
import Glibc
import Synchronization

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 and an ephemeral port, for tests only.
///
/// One accept thread plus one thread per connection; each connection serves requests until
/// the client closes it (keep-alive), the route asks to hang up, or ``stop()`` is called.
/// It understands exactly what libcurl sends here: a request line, headers and an optional
/// `Content-Length` body (no chunked uploads). Routes live in ``TestRoutes``.
/// Writes use `MSG_NOSIGNAL`, so a client that went away never raises `SIGPIPE`.
///
/// Descriptors are close-on-exec from birth. Each has one closer: the accept thread closes the
/// listener when it ends, each connection thread its connection, both under the lock, and
/// ``stop()`` shuts down only what is still open under that same lock, so it never reaches a
/// number the kernel has handed out again.
final class TestHTTPServer: Sendable {
    /// The bound port (chosen by the kernel).
    let port: Int
    private let listenFD: Int32
    private let state = Mutex(State())

    private struct State {
        var openConnections: Set<Int32> = []
        var acceptedConnections = 0
        var stopped = false
        /// Set (under the lock) by the accept thread as it closes the listener.
        var listenerClosed = false
    }

    struct SocketError: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
    }

    /// Binds 127.0.0.1:0, listens and starts the accept thread.
    init() throws {
        let (fd, port) = try TestHTTPServer.bindLoopback()
        guard listen(fd, 64) == 0 else {
            let error = SocketError(call: "listen", errno: errno)
            close(fd)
            throw error
        }
        self.listenFD = fd
        self.port = port
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "TestHTTPServer.accept"
        thread.start()
    }

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// How many TCP connections the server has accepted so far.
    var acceptedConnections: Int {
        state.withLock { $0.acceptedConnections }
    }

    /// Stops accepting and cuts every open connection; threads then exit on their own.
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            // shutdown (not close) wakes the threads blocked in accept/recv; they close.
            if !state.listenerClosed { shutdown(listenFD, Int32(SHUT_RDWR)) }
            for fd in state.openConnections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// A port on 127.0.0.1 that nothing listens on: bound (so the kernel picked it), then closed.
    static func refusedPort() throws -> Int {
        let (fd, port) = try bindLoopback()
        close(fd)
        return port
    }

    // MARK: - Sockets

    private static func bindLoopback() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0  // ephemeral
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            let error = SocketError(call: bound != 0 ? "bind" : "getsockname", errno: errno)
            close(fd)
            throw error
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private func acceptLoop() {
        while true {
            let fd = fh_accept_cloexec(listenFD)
            if fd < 0 {
                let code = errno
                if state.withLock({ $0.stopped }) { break }  // shut down by stop()
                if [ECONNABORTED, EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code) {
                    Thread.sleep(forTimeInterval: 0.01)  // out of descriptors or memory: back off, retry
                    continue
                }
                break
            }
            let admitted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.acceptedConnections += 1
                state.openConnections.insert(fd)
                return true
            }
            guard admitted else {
                close(fd)
                break
            }
            let thread = Thread { [self] in serve(fd) }
            thread.name = "TestHTTPServer.connection"
            thread.start()
        }
        state.withLock { state in
            state.listenerClosed = true
            close(listenFD)
        }
    }

    /// Serves requests on one connection until EOF, an error or a hang-up.
    private func serve(_ fd: Int32) {
        var reader = RequestReader(fd: fd)
        while let request = reader.next() {
            let reply = TestRoutes.reply(to: request)
            if reply.delayMilliseconds > 0 {
                Thread.sleep(forTimeInterval: Double(reply.delayMilliseconds) / 1000)
            }
            if !reply.bytes.isEmpty && !TestHTTPServer.writeAll(fd, reply.bytes) { break }
            if reply.closeAfter { break }
        }
        state.withLock { state in
            state.openConnections.remove(fd)
            close(fd)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// One parsed request as the server saw it.
struct TestRequest {
    var method: String
    /// Path plus query, as sent (`/echo?x=1`).
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    var path: String { String(target.prefix { $0 != "?" }) }

    /// Integer value of query parameter `name`, if present and numeric.
    func query(_ name: String) -> Int? {
        guard let question = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return Int(parts[1]) }
        }
        return nil
    }
}

/// Reads requests off one socket, keeping bytes that arrive past a request for the next one.
struct RequestReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> TestRequest? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.firstRange(of: terminator)?.lowerBound
            if headEnd == nil && !fill() { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + terminator.count)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.last { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < length {
            if !fill() { return nil }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return TestRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    /// Appends whatever the socket has; false on EOF or error.
    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }
}
