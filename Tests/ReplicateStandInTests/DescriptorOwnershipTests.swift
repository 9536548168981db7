import FnhostTestSupport
import Glibc
import Synchronization
import Testing
@testable import ReplicateStandIn

/// Every descriptor is ended exactly once by its one owner: a second `stop()` (a test's own, then
/// the harness's `deinit`) must not shut down or close a number the kernel may have handed out again.
@Suite struct DescriptorOwnershipTests {
    /// Records the listening descriptor's shutdown and close calls, then makes them for real.
    final class CallLog: Sendable {
        private let calls = Mutex<[String]>([])
        var entries: [String] { calls.withLock { $0 } }

        var socketCalls: SocketDescriptor.Calls {
            SocketDescriptor.Calls(
                shutdown: { [self] fd in
                    calls.withLock { $0.append("shutdown \(fd)") }
                    SocketDescriptor.Calls.system.shutdown(fd)
                },
                close: { [self] fd in
                    calls.withLock { $0.append("close \(fd)") }
                    SocketDescriptor.Calls.system.close(fd)
                })
        }
    }

    @Test func aSecondStopTouchesNoDescriptor() throws {
        let log = CallLog()
        var server: ReplicateStandInServer? = try ReplicateStandInServer(
            configuration: .init(phaseDelayMilliseconds: 0), listenerCalls: log.socketCalls)
        let number = try #require(server?.listenerNumber)
        try server?.start()
        server?.stop()
        #expect(log.entries == ["shutdown \(number)", "close \(number)"])
        #expect(server?.listenerNumber == -1)
        server?.stop()
        server = nil  // deinit: nothing left to end either
        #expect(log.entries == ["shutdown \(number)", "close \(number)"])
    }

    @Test func stoppingAServerThatNeverStartedClosesItsListenerOnce() throws {
        let log = CallLog()
        var server: ReplicateStandInServer? = try ReplicateStandInServer(
            configuration: .init(phaseDelayMilliseconds: 0), listenerCalls: log.socketCalls)
        let number = try #require(server?.listenerNumber)
        server?.stop()
        server?.stop()
        server = nil
        #expect(log.entries == ["shutdown \(number)", "close \(number)"])
    }

    @Test func aReleasedServerThatNeverStoppedClosesItsListenerOnce() throws {
        let log = CallLog()
        var server: ReplicateStandInServer? = try ReplicateStandInServer(
            configuration: .init(phaseDelayMilliseconds: 0), listenerCalls: log.socketCalls)
        let number = try #require(server?.listenerNumber)
        server = nil
        #expect(log.entries == ["close \(number)"])
    }

    /// The real thing: after the first stop, a new listener that got the old number must survive
    /// a second stop and the server's release.
    @Test func aSecondStopLeavesASocketWithTheReusedNumberAlone() throws {
        var server: ReplicateStandInServer? = try ReplicateStandInServer(configuration: .init(phaseDelayMilliseconds: 0))
        let number = try #require(server?.listenerNumber)
        try server?.start()
        server?.stop()
        // The kernel hands out the lowest free number; other tests of this process open sockets
        // too, so try a few listeners until one lands on it (the rest are closed at once).
        var reused: (fd: Int32, port: Int)?
        var others: [Int32] = []
        for _ in 0..<64 where reused == nil {
            let candidate = try POSIXSocket.listen(host: "127.0.0.1", port: 0)
            if candidate.fd == number { reused = candidate } else { others.append(candidate.fd) }
        }
        others.forEach { POSIXSocket.close($0) }
        guard let reused else { return }  // another test took the number; the call-count tests still hold
        defer { POSIXSocket.close(reused.fd) }
        server?.stop()
        server = nil
        // Still listening: a connection to it is accepted (a shut-down listener refuses it).
        let client = try RawHTTPConnection(port: reused.port)
        let accepted = try POSIXSocket.accept(reused.fd)
        POSIXSocket.close(accepted)
        _ = client
    }

    @Test func aSocketDescriptorShutsDownOnceAndClosesOnce() throws {
        let log = CallLog()
        let (fd, _) = try POSIXSocket.listen(host: "127.0.0.1", port: 0)
        let owner = SocketDescriptor(adopting: fd, calls: log.socketCalls)
        owner.shutdown()
        owner.shutdown()
        owner.close()
        owner.close()
        owner.shutdown()
        #expect(log.entries == ["shutdown \(fd)", "close \(fd)"])
        #expect(owner.isClosed)
    }
}
