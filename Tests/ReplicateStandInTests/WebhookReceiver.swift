import FnhostTestSupport
import FunctionRuntime
import Glibc
import Synchronization
@testable import ReplicateStandIn
import WebhookSignature

/// A webhook receiver for tests: a real HTTP/1.1 server on an ephemeral loopback port that
/// records every POST it gets and answers from a script.
///
/// Built from the stand-in's own server pieces (``POSIXSocket``, ``HTTPRequestReader``,
/// ``HTTPResponse``), one thread per connection because libcurl keeps connections alive. The
/// answers come from `statuses` in order (then 200 for everything); with `verifySecret` set, a
/// request whose signature does not verify is answered 401 instead (and does not use up a
/// scripted status). `holdMs` makes every answer wait that long first (a slow receiver). Tests
/// read ``deliveries`` or wait with ``waitForDeliveries(_:timeoutMs:)``, which polls until a
/// deadline; nothing sleeps a fixed time.
final class WebhookReceiver: Sendable {
    /// One request as received.
    struct Delivery: Sendable {
        var path: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var receivedAt: ContinuousClock.Instant
        /// The status it was answered with.
        var answered: Int

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The body parsed as JSON (`.null` when it is not JSON).
        var json: JSONValue { (try? JSONValue.parse(body)) ?? .null }
        var webhookID: String? { header("webhook-id") }

        /// The verdict of the official scheme with `secret`, at the receiver's current clock.
        func verdict(secret: String) -> WebhookSignature.Verdict {
            WebhookSignature.verify(secret: secret, id: header("webhook-id"), timestamp: header("webhook-timestamp"),
                                    signatures: header("webhook-signature"), body: body,
                                    now: WallClock.nowMilliseconds() / 1000)
        }
    }

    private struct State: Sendable {
        var deliveries: [Delivery] = []
        var statuses: [Int]
        var connections: Set<Int32> = []
        var stopped = false
    }

    let port: Int
    /// The URL to give as `webhook`.
    var url: String { "http://127.0.0.1:\(port)/hook" }
    private let listener: SocketDescriptor
    private let holdMs: Int
    private let verifySecret: Mutex<String?>
    private let state: Mutex<State>
    private let acceptThread: Mutex<pthread_t?> = Mutex(nil)

    init(statuses: [Int] = [], holdMs: Int = 0) throws {
        let (fd, port) = try POSIXSocket.listen(host: "127.0.0.1", port: 0)
        listener = SocketDescriptor(adopting: fd)
        self.port = port
        self.holdMs = holdMs
        verifySecret = Mutex(nil)
        state = Mutex(State(statuses: statuses))
        let thread = try ThreadLauncher.spawn { [self] in acceptLoop() }
        acceptThread.withLock { $0 = thread }
    }

    deinit {
        stop()
    }

    /// From now on, answer 401 to requests whose signature does not verify with `secret`.
    func verify(with secret: String) {
        verifySecret.withLock { $0 = secret }
    }

    /// The requests received so far, in arrival order.
    var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// Polls every 10 ms until at least `count` requests arrived or `timeoutMs` passed; returns what came.
    @discardableResult
    func waitForDeliveries(_ count: Int, timeoutMs: Int = 5000) -> [Delivery] {
        poll(within: Double(timeoutMs) / 1000, every: 0.01) { deliveries.count >= count }
        return deliveries
    }

    /// Stops accepting and cuts open connections. Idempotent: only the first call touches a descriptor.
    func stop() {
        let first = state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        listener.shutdown()
        if let thread = acceptThread.withLock({ $0 }) { ThreadLauncher.join(thread) }
        listener.close()
        // Under the lock: a connection still in the set has not been closed by `finish` yet, so
        // its number is still ours (a snapshot taken earlier could name reused numbers).
        state.withLock { state in
            for fd in state.connections { POSIXSocket.shutdownBoth(fd) }
        }
    }

    private func acceptLoop() {
        while let fd = try? POSIXSocket.accept(listener.number) {
            let admitted = state.withLock { state in
                guard !state.stopped else { return false }
                state.connections.insert(fd)
                return true
            }
            guard admitted else {
                POSIXSocket.close(fd)
                return
            }
            POSIXSocket.setTimeouts(fd, seconds: 10)
            do {
                try ThreadLauncher.detach { [self] in serve(fd) }
            } catch {
                finish(fd)
            }
        }
    }

    private func serve(_ fd: Int32) {
        var reader = HTTPRequestReader(fd: fd, maxBodyBytes: 8 << 20)
        while case let .request(request) = reader.next() {
            let secret = verifySecret.withLock { $0 }
            let forged = secret.map { secret in
                WebhookSignature.verify(secret: secret, id: request.header("webhook-id"),
                                        timestamp: request.header("webhook-timestamp"),
                                        signatures: request.header("webhook-signature"), body: request.body,
                                        now: WallClock.nowMilliseconds() / 1000) != .valid
            } ?? false
            let status: Int = state.withLock { state in
                let status = forged ? 401 : (state.statuses.isEmpty ? 200 : state.statuses.removeFirst())
                state.deliveries.append(Delivery(path: request.path, headers: request.headers, body: request.body,
                                                 receivedAt: .now, answered: status))
                return status
            }
            if holdMs > 0 { ThreadLauncher.sleep(milliseconds: holdMs) { [self] in state.withLock { $0.stopped } } }
            let response = HTTPResponse.json(status, .object(["ok": .bool(status < 300)]))
            guard (try? POSIXSocket.writeAll(fd, response.serialized(close: false))) != nil else { break }
        }
        finish(fd)
    }

    private func finish(_ fd: Int32) {
        state.withLock { state in
            state.connections.remove(fd)
            POSIXSocket.close(fd)
        }
    }
}
