import CHostSupport
import Foundation
import Synchronization

/// A loopback HTTP/1.1 server that records each request line and Host header it gets and answers
/// `{"forwardedTo":"recorder","path":"<request target>"}` (one request per connection). It stands
/// in for the real platform behind `--platform-upstream`.
///
/// One thread accepts and serves; it alone closes each connection and, as it ends, the listener
/// (under the lock). ``stop()`` shuts the listener down only while it is open, and only once.
final class RecordingHTTPServer: Sendable {
    struct Request: Sendable, Equatable {
        var method: String
        var target: String
        var host: String
    }

    let port: Int
    private let listener: Int32
    private let requests = Mutex<[Request]>([])
    /// (stopped, listener closed), changed under the lock.
    private let lifecycle = Mutex((stopped: false, listenerClosed: false))

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw StackError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound, listen(listener, 16) == 0 else {
            close(listener)
            throw StackError("the recording server cannot listen")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let server = self
        Thread.detachNewThread { server.acceptLoop() }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The requests received so far.
    var received: [Request] { requests.withLock { $0 } }

    /// Stops accepting: the accept loop wakes up, ends and closes the listener.
    func stop() {
        lifecycle.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            if !state.listenerClosed { shutdown(listener, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let connection = fh_accept_cloexec(listener)
            if connection < 0 {
                if errno == ECONNABORTED, !lifecycle.withLock({ $0.stopped }) { continue }
                lifecycle.withLock { state in
                    state.listenerClosed = true
                    close(listener)
                }
                return
            }
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count < 65_536, !head.ends(with: Array("\r\n\r\n".utf8)) {
            let count = recv(connection, &buffer, 1, 0)
            guard count > 0 else { return }
            head.append(buffer[0])
        }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ").map(String.init) ?? []
        guard parts.count >= 2 else { return }
        let host = lines.dropFirst().first { $0.lowercased().hasPrefix("host:") }.map {
            String($0.dropFirst("host:".count)).trimmingCharacters(in: .whitespaces)
        } ?? ""
        requests.withLock { $0.append(Request(method: parts[0], target: parts[1], host: host)) }
        let body = Array(#"{"forwardedTo":"recorder","path":"\#(parts[1])"}"#.utf8)
        let response =
            Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
            + body
        var sent = 0
        while sent < response.count {
            let count = response[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
