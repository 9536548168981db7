import Glibc
import Synchronization
import WebhookSignature

/// An offline stand-in for Replicate's HTTP API, serving the `cuuupid/idm-vton` model on loopback.
///
/// A real HTTP/1.1 server on raw sockets: one thread blocks in `accept`, each connection gets its
/// own thread (keep-alive supported). The behaviour (scripted prediction timelines, output PNGs,
/// fault switches, call log) lives in ``ReplicateStandInService``.
///
/// ```swift
/// let server = try ReplicateStandInServer(configuration: .init(phaseDelayMilliseconds: 0))
/// try server.start()
/// defer { server.stop() }
/// // point the client at server.baseURL, e.g. http://127.0.0.1:41234
/// ```
///
/// The socket is bound in `init`, so ``port`` is known (even for port 0) before ``start()``.
public final class ReplicateStandInServer: Sendable {
    /// The settings the server was created with.
    public let configuration: ReplicateStandInConfiguration
    /// The webhook signing secret in use (`whsec_…`): the configured one or the random one.
    public var webhookSecret: String { service.webhookSecret }
    /// The TCP port actually bound (the kernel's choice when the configuration said 0).
    public let port: Int
    /// `http://<host>:<port>`, the base URL for clients (`/v1/predictions` goes after it).
    public var baseURL: String { "http://\(configuration.host):\(port)" }

    let service: ReplicateStandInService
    /// The listening socket: shut down and closed once, by the first ``stop()`` (or on release).
    private let listener: SocketDescriptor
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle: Sendable {
        enum Phase: Sendable {
            case created
            case running(acceptThread: pthread_t)
            case stopped
        }
        var phase = Phase.created
        /// Descriptors of open connections (removed, under the lock, just before each is closed).
        var connections: Set<Int32> = []
    }

    /// Binds and listens (but does not accept yet).
    /// - Throws: ``StandInError`` when the host is not an IPv4 literal, the port is taken, or the
    ///   configured webhook secret is not `whsec_<base64>` (`.invalidConfiguration`).
    public convenience init(configuration: ReplicateStandInConfiguration = ReplicateStandInConfiguration()) throws {
        try self.init(configuration: configuration, listenerCalls: .system)
    }

    /// As the public `init`, with the calls that end the listening descriptor (tests count them).
    init(configuration: ReplicateStandInConfiguration, listenerCalls: SocketDescriptor.Calls) throws {
        if let secret = configuration.webhookSecret, WebhookSignature.key(fromSecret: secret) == nil {
            throw StandInError(code: .invalidConfiguration, message: "the webhook secret is not of the form whsec_<base64>")
        }
        self.configuration = configuration
        let (fd, port) = try POSIXSocket.listen(host: configuration.host, port: configuration.port)
        listener = SocketDescriptor(adopting: fd, calls: listenerCalls)
        self.port = port
        service = ReplicateStandInService(configuration: configuration)
    }

    /// The listening descriptor's number while open, -1 once closed (for tests).
    var listenerNumber: Int32 { listener.number }

    /// The descriptors of the connections open now (for tests).
    var connectionNumbers: Set<Int32> { lifecycle.withLock { $0.connections } }

    /// Starts the accept thread and the webhook threads. Call once.
    /// - Throws: ``StandInError`` with `.invalidState` when already started or stopped, `.thread`
    ///   when no thread could be created.
    public func start() throws {
        try lifecycle.withLock { state in
            guard case .created = state.phase else {
                throw StandInError(code: .invalidState, message: "start() called twice or after stop()")
            }
            try service.webhooks.start()
            let thread = try ThreadLauncher.spawn { [self] in acceptLoop() }
            state.phase = .running(acceptThread: thread)
        }
    }

    /// Stops accepting, ends webhook deliveries, ends every open connection (hung answers are cut
    /// short) and waits up to about a second each for the webhook senders and the connection
    /// threads to finish. Idempotent: only the first call does any of it, so a later one (a
    /// test's explicit `stop()`, then the harness's `deinit`) touches no descriptor.
    public func stop() {
        let previous = lifecycle.withLock { state in
            defer { state.phase = .stopped }
            return state.phase
        }
        if case .stopped = previous { return }
        service.stop()
        listener.shutdown()  // wakes the accept thread
        if case let .running(acceptThread) = previous { ThreadLauncher.join(acceptThread) }
        listener.close()  // nobody can be in accept on it any more
        lifecycle.withLock { state in
            for fd in state.connections { POSIXSocket.shutdownBoth(fd) }
        }
        for _ in 0..<100 {
            if lifecycle.withLock({ $0.connections.isEmpty }) { return }
            ThreadLauncher.sleep(milliseconds: 10) { false }
        }
    }

    private var isStopping: Bool {
        lifecycle.withLock { state in
            if case .stopped = state.phase { return true }
            return false
        }
    }

    private func acceptLoop() {
        while true {
            let fd: Int32
            do {
                fd = try POSIXSocket.accept(listener.number)  // -1 (EBADF) once closed
            } catch {
                if isStopping { return }
                configuration.log?("accept: \(error)")
                ThreadLauncher.sleep(milliseconds: 50) { false }  // e.g. EMFILE: back off, retry
                continue
            }
            let admitted = lifecycle.withLock { state in
                guard case .running = state.phase else { return false }
                state.connections.insert(fd)
                return true
            }
            guard admitted else {
                POSIXSocket.close(fd)
                return
            }
            POSIXSocket.setTimeouts(fd, seconds: configuration.idleTimeoutSeconds)
            do {
                try ThreadLauncher.detach { [self] in serve(fd) }
            } catch {
                configuration.log?("connection thread: \(error)")
                finish(fd)
            }
        }
    }

    private func serve(_ fd: Int32) {
        let handler = ConnectionHandler(fd: fd, service: service, fallbackHost: "\(configuration.host):\(port)",
                                        isStopping: { [self] in isStopping })
        handler.run()
        finish(fd)
    }

    /// Forgets and closes a connection, under the lock so `stop()` never shuts down a reused fd.
    private func finish(_ fd: Int32) {
        lifecycle.withLock { state in
            state.connections.remove(fd)
            POSIXSocket.close(fd)
        }
    }
}
