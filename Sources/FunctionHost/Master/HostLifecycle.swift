/// The host's life, as one value with its transitions in one place:
///
/// - `starting`: workers and companions (nginx) are being started;
/// - `serving`: requests are accepted and dispatched, workers respawned, reloads applied;
/// - `draining`: a stop was asked (SIGTERM, SIGINT, SIGQUIT, or a companion that cannot run). It
///   has two stages. During the notice (`HostOptions.drainNoticeSeconds`, default 0) the host
///   still serves everything it is sent while its health endpoint answers 503 and it fires no
///   timer, so a load balancer probing the health takes it out before it stops listening. After
///   the notice nothing new starts (no respawn, reload, timer or admin request) and nginx is asked
///   to stop: running invocations and requests nginx already sent finish. The drain ends when all
///   is idle and the companions have exited, or at its deadline (monotonic ns);
/// - `stopping`: the master closes everything, stops the workers and exits.
///
/// Pure: the master reports what happened and does what the answer says.
struct HostLifecycle: Equatable, Sendable {
    /// A drain in progress (monotonic ns).
    struct Drain: Equatable, Sendable {
        /// When the notice ends and the host stops taking work.
        var noticeEnds: UInt64
        /// When the drain ends at the latest.
        var deadline: UInt64
        /// Whether the notice has ended (the host takes no new work).
        var noticeOver: Bool
    }

    enum State: Equatable, Sendable {
        case starting
        case serving
        case draining(Drain)
        case stopping
    }

    enum Event: Equatable, Sendable {
        /// Every worker and companion has been started.
        case started
        /// A stop signal (SIGTERM, SIGINT, SIGQUIT), or signal 0 when the host stops on its own (a
        /// companion that cannot run), at `now`; the notice lasts until `noticeEnds` and the drain
        /// until `deadline` at the latest.
        case stopRequested(signal: Int32, now: UInt64, noticeEnds: UInt64, deadline: UInt64)
        /// SIGHUP: read the configuration again and roll every pool.
        case reloadRequested
        /// A turn of the loop at `now`; `drained`: no invocation runs or waits and every companion
        /// has exited.
        case tick(now: UInt64, drained: Bool)
    }

    /// What the master must do about an event.
    enum Decision: Equatable, Sendable {
        case none
        /// The drain began: health says 503, timers stop, the drain is logged with its signal.
        /// `stopTakingWork`: the notice is already over (no notice), so also do what
        /// `stopTakingWork` says.
        case announceDrain(signal: Int32, stopTakingWork: Bool)
        /// The notice is over: ask the companions to stop; nothing new starts from now on.
        case stopTakingWork
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
        case (.starting, .stopRequested(let signal, let now, let noticeEnds, let deadline)),
            (.serving, .stopRequested(let signal, let now, let noticeEnds, let deadline)):
            let over = now >= noticeEnds
            state = .draining(Drain(noticeEnds: noticeEnds, deadline: max(deadline, noticeEnds), noticeOver: over))
            return .announceDrain(signal: signal, stopTakingWork: over)
        case (.serving, .reloadRequested):
            return .reload
        case (.draining(var drain), .tick(let now, let drained)):
            if !drain.noticeOver {
                guard now >= drain.noticeEnds else { return .none }
                drain.noticeOver = true
                state = .draining(drain)
                return .stopTakingWork
            }
            guard drained || now >= drain.deadline else { return .none }
            state = .stopping
            return .shutDown
        case (.starting, _), (.serving, _):
            return .none  // nothing to reload before serving; ticks matter only while draining
        case (.draining, _):
            // A second stop signal keeps the first notice and deadline; a reload would start
            // workers the drain is about to stop.
            return .none
        case (.stopping, _):
            return .none
        }
    }

    /// After the drain's notice, or stopping: nothing new starts (no respawn, reload, timer,
    /// accepted admin request), and a connection given back by a worker is closed rather than
    /// watched.
    var isWindingDown: Bool {
        switch state {
        case .starting, .serving: false
        case .draining(let drain): drain.noticeOver
        case .stopping: true
        }
    }

    /// Whether the host says it is healthy (its health endpoint's 200): only while serving.
    var isServing: Bool { state == .serving }

    /// Whether timers may fire: while serving only (a draining host lets another lead).
    var firesTimers: Bool { isServing }

    /// The health endpoint's word for the state: starting, serving, draining or stopping.
    var name: String {
        switch state {
        case .starting: "starting"
        case .serving: "serving"
        case .draining: "draining"
        case .stopping: "stopping"
        }
    }

    /// The next moment the lifecycle needs a tick while draining: the notice's end, then the deadline.
    var nextWakeUp: UInt64? {
        guard case .draining(let drain) = state else { return nil }
        return drain.noticeOver ? drain.deadline : drain.noticeEnds
    }

    /// The drain's deadline while draining.
    var drainDeadline: UInt64? {
        if case .draining(let drain) = state { drain.deadline } else { nil }
    }

    /// Whether a drain has begun (the notice may still run).
    var isDraining: Bool {
        if case .draining = state { true } else { false }
    }
}
