/// The host's life, as one value with its transitions in one place:
///
/// - `starting`: workers and companions (nginx) are being started;
/// - `serving`: requests are accepted and dispatched, workers respawned, reloads applied;
/// - `draining(deadline)`: a stop was asked (SIGTERM, SIGINT, SIGQUIT, or a companion that cannot
///   run): running invocations and requests nginx already sent finish, nothing new starts (no
///   respawn, reload, timer or admin request), nginx is asked to stop; it ends when all is idle and
///   the companions have exited, or at the deadline (monotonic ns);
/// - `stopping`: the master closes everything, stops the workers and exits.
///
/// Pure: the master reports what happened and does what the answer says.
struct HostLifecycle: Equatable, Sendable {
    enum State: Equatable, Sendable {
        case starting
        case serving
        case draining(deadline: UInt64)
        case stopping
    }

    enum Event: Equatable, Sendable {
        /// Every worker and companion has been started.
        case started
        /// A stop signal (SIGTERM, SIGINT, SIGQUIT), or signal 0 when the host stops on its own (a
        /// companion that cannot run). `deadline`: when the drain ends at the latest.
        case stopRequested(signal: Int32, deadline: UInt64)
        /// SIGHUP: read the configuration again and roll every pool.
        case reloadRequested
        /// A turn of the loop at `now`; `drained`: no invocation runs or waits and every companion
        /// has exited.
        case tick(now: UInt64, drained: Bool)
    }

    /// What the master must do about an event.
    enum Decision: Equatable, Sendable {
        case none
        /// Stop taking new work; ask the companions to stop; log the drain with its signal.
        case beginDrain(signal: Int32)
        case reload
        /// Leave the loop and shut down.
        case shutDown
    }

    private(set) var state: State = .starting

    mutating func handle(_ event: Event) -> Decision {
        switch (state, event) {
        case (.starting, .started):
            state = .serving
            return .none
        case (.starting, .stopRequested(let signal, let deadline)), (.serving, .stopRequested(let signal, let deadline)):
            state = .draining(deadline: deadline)
            return .beginDrain(signal: signal)
        case (.serving, .reloadRequested):
            return .reload
        case (.draining(let deadline), .tick(let now, let drained)):
            guard drained || now >= deadline else { return .none }
            state = .stopping
            return .shutDown
        case (.starting, _), (.serving, _):
            return .none  // nothing to reload before serving; ticks matter only while draining
        case (.draining, _):
            // A second stop signal keeps the first deadline; a reload would start workers the drain
            // is about to stop.
            return .none
        case (.stopping, _):
            return .none
        }
    }

    /// Draining or stopping: nothing new starts (no respawn, reload, timer, accepted admin request),
    /// and a connection given back by a worker is closed rather than watched.
    var isWindingDown: Bool {
        switch state {
        case .starting, .serving: false
        case .draining, .stopping: true
        }
    }

    /// The drain's deadline while draining.
    var drainDeadline: UInt64? {
        if case .draining(let deadline) = state { deadline } else { nil }
    }
}
