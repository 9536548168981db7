import CHostSupport
import Foundation
import Synchronization

/// A TCP listener on 127.0.0.1 that accepts connections and never answers (a hung peer).
///
/// Its descriptors are close-on-exec from birth and each is closed exactly once: the accept thread
/// closes the listener as it ends, ``stop()`` closes the accepted connections, both under the lock;
/// ``stop()`` shuts the listener down only while it is still open, and a second ``stop()`` does
/// nothing.
final class HangingListener: Sendable {
    private struct State {
        var accepted: [Int32] = []
        var stopped = false
        var listenerClosed = false
    }

    let port: Int
    private let descriptor: Int32
    private let state = Mutex(State())

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw StackError("socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard listening, listen(listener, 64) == 0 else {
            close(listener)
            throw StackError("the hanging listener cannot listen")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        descriptor = listener
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops accepting and closes every accepted connection. Idempotent.
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            if !state.listenerClosed { shutdown(descriptor, Int32(SHUT_RDWR)) }  // wakes the accept thread
            state.accepted.forEach { close($0) }
            state.accepted = []
        }
    }

    private func acceptLoop() {
        while true {
            let connection = fh_accept_cloexec(descriptor)
            if connection < 0 {
                if errno == ECONNABORTED, !state.withLock({ $0.stopped }) { continue }
                break
            }
            let kept = state.withLock { state in
                guard !state.stopped else { return false }
                state.accepted.append(connection)
                return true
            }
            if !kept {
                close(connection)
                break
            }
        }
        state.withLock { state in
            state.listenerClosed = true
            close(descriptor)
        }
    }
}
