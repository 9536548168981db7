import CHostSupport
import Foundation
import Synchronization

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 and an ephemeral port, for tests only: each
/// request is answered with what `handler` returns (``TestHTTPReply``).
///
/// One accept thread plus one thread per connection; each connection serves requests until the
/// client closes it (keep-alive), a reply asks to hang up, or ``stop()`` is called. It understands
/// exactly what libcurl and nginx send here: a request line, headers and an optional
/// `Content-Length` body (no chunked uploads). Writes use `MSG_NOSIGNAL`, so a client that went
/// away never raises `SIGPIPE`.
///
/// Descriptors are close-on-exec from birth. Each has one closer: the accept thread closes the
/// listener when it ends, each connection thread its connection, both under the lock, and
/// ``stop()`` shuts down only what is still open under that same lock, so it never reaches a
/// number the kernel has handed out again.
public final class TestHTTPServer: Sendable {
    /// The bound port (chosen by the kernel).
    public let port: Int
    private let listenFD: Int32
    private let handler: @Sendable (TestHTTPRequest) -> TestHTTPReply
    private let state = Mutex(State())

    private struct State {
        var openConnections: Set<Int32> = []
        var acceptedConnections = 0
        var stopped = false
        /// Set (under the lock) by the accept thread as it closes the listener.
        var listenerClosed = false
    }

    /// Binds 127.0.0.1:0, listens and starts the accept thread.
    public init(_ handler: @escaping @Sendable (TestHTTPRequest) -> TestHTTPReply) throws {
        (listenFD, port) = try LoopbackSocket.listen()
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "TestHTTPServer.accept"
        thread.start()
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { baseURL + path }

    /// How many TCP connections the server has accepted so far.
    public var acceptedConnections: Int {
        state.withLock { $0.acceptedConnections }
    }

    /// Stops accepting and cuts every open connection; threads then exit on their own. Idempotent.
    public func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            // shutdown (not close) wakes the threads blocked in accept/recv; they close.
            if !state.listenerClosed { shutdown(listenFD, Int32(SHUT_RDWR)) }
            for fd in state.openConnections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
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
        var reader = TestHTTPRequestReader(fd: fd)
        while let request = reader.next() {
            let reply = handler(request)
            if reply.delayMilliseconds > 0 {
                // A scripted slow answer (the server's own behaviour, not a test waiting).
                Thread.sleep(forTimeInterval: Double(reply.delayMilliseconds) / 1000)
            }
            if !reply.bytes.isEmpty && LoopbackSocket.writeAll(fd, reply.bytes) < reply.bytes.count { break }
            if reply.closeAfter { break }
        }
        state.withLock { state in
            state.openConnections.remove(fd)
            close(fd)
        }
    }
}
