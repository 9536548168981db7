#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FastCGI
import FunctionRuntime

/// The loop of one worker process (`fnhost worker`, started by the master with its control socket
/// at descriptor 3 and its scoreboard slot at descriptor 4).
///
/// It serves connections the master dispatches and, after a response on a kept-alive connection,
/// keeps that connection and serves its next requests directly (the fast path: no master, no
/// message). Each invocation is recorded in the scoreboard slot, which is how the master sees it
/// is busy, enforces the timeout and answers for it if it dies; and each writes its own log line.
/// Exits when the master closes the control socket, and after `maxRequests` invocations, when over
/// its memory limit, or when the master asked it to retire because its function was reloaded (the
/// master starts a replacement). While requests wait at the master, it gives a kept connection back
/// instead of holding it, so the queue is served first come, first served.
public struct WorkerMain {
    /// The control socket's descriptor in a worker.
    public static let controlDescriptor: Int32 = 3
    /// The scoreboard slot's memfd in a worker.
    public static let scoreboardDescriptor: Int32 = 4
    /// The signals a terminal sends to its whole foreground process group (Ctrl-C, Ctrl-\) and on
    /// which the master drains: a worker ignores them and finishes its invocation; the master stops
    /// it once drained. Workers are spawned with them blocked, so none is lost or fatal before
    /// `init` ignores them.
    static let drainSignals: [Int32] = [SIGINT, SIGQUIT]

    var invoker: FunctionInvoker
    let responder: FastCGIResponder
    let control: Int32
    let scoreboard: ScoreboardSlot
    let log = InvocationLog()
    /// The kept-alive connection this worker holds, with the master's id for it.
    var held: (descriptor: Int32, id: UInt64)?
    var served = 0

    /// A worker of a compiled Swift function.
    public init(spec: FunctionSpec, factory: @escaping FunctionRegistry.Factory, edge: EdgeOptions) throws(WorkerStartError) {
        try self.init(invoker: FunctionInvoker(spec: spec, factory: factory, edge: edge))
    }

    /// A worker around any invoker (a Python worker passes one that runs its embedded interpreter).
    /// The function's `function.json` environment is set before the function starts.
    public init(invoker: FunctionInvoker) throws(WorkerStartError) {
        _ = fh_die_with_parent()
        Self.ignoreDrainSignals()
        for (name, value) in invoker.spec.configuration.environment { setenv(name, value, 1) }
        guard let scoreboard = ScoreboardSlot.map(descriptor: Self.scoreboardDescriptor) else {
            throw .missingScoreboard(descriptor: Self.scoreboardDescriptor)
        }
        self.scoreboard = scoreboard
        self.invoker = invoker
        do {
            responder = try FastCGIResponder()
        } catch {
            throw .fastCGI(error)
        }
        // FCGX_Init installs a SIGTERM handler that only sets a flag: restore the default so that a
        // worker can always be stopped.
        signal(SIGTERM, SIG_DFL)
        control = Self.controlDescriptor
    }

    /// Ignores the drain signals (discarding one pending since birth), then unblocks them.
    private static func ignoreDrainSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for drainSignal in drainSignals {
            signal(drainSignal, SIG_IGN)
            sigaddset(&set, drainSignal)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Serves until the master goes away. Returns the process exit status.
    public mutating func run() -> Int32 {
        if let failure = invoker.warmUp() {
            log.event("init_failed", level: "error", ["function": .string(invoker.spec.name), "error": .string(failure.message)])
        }
        var buffer = [UInt8](repeating: 0, count: ControlMessage.capacity)
        var descriptors = [pollfd(fd: control, events: Int16(POLLIN), revents: 0), pollfd(fd: -1, events: Int16(POLLIN), revents: 0)]
        // After a failed claim the master has reserved this worker: wait for its dispatch only.
        var awaitingDispatch = false
        while true {
            descriptors[1].fd = awaitingDispatch ? -1 : held?.descriptor ?? -1
            descriptors[0].revents = 0
            descriptors[1].revents = 0
            // Log lines are written in batches; one still pending is written when it falls due.
            let ready = poll(&descriptors, 2, log.millisecondsUntilFlush())
            if ready == 0 {
                log.flush()
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                return 1
            }
            if descriptors[0].revents != 0 {
                var connection: Int32 = -1
                let got = buffer.withUnsafeMutableBytes { fh_receive_with_fd(control, $0.baseAddress, $0.count, &connection) }
                if got < 0, errno == EINTR || errno == EAGAIN { continue }
                guard got > 0 else { return 0 }  // the master closed the socket: stop
                let message = ControlMessage.decode(buffer[0..<got])
                let dispatched: (id: UInt64, timer: Bool)? =
                    switch message {
                    case .dispatch(let id)?: (id, false)
                    case .timer(let id)?: (id, true)
                    default: nil
                    }
                guard connection >= 0, let (id, timer) = dispatched else {
                    if connection >= 0 { close(connection) }
                    continue
                }
                awaitingDispatch = false
                if let previous = held {
                    close(previous.descriptor)  // the master watches it again
                    held = nil
                }
                scoreboard.begin(connection: id, at: Clock.monotonicNanoseconds())
                if serve(connection, id: id, timer: timer) { return 0 }
            } else if let current = held, descriptors[1].revents != 0 {
                // Asked to retire (a reload): the next request on this connection is for a new
                // worker; the master watches its own descriptor of it once this process is gone.
                if scoreboard.retireRequested { return 0 }
                guard scoreboard.tryClaimHeld(connection: current.id, at: Clock.monotonicNanoseconds()) else {
                    awaitingDispatch = true
                    continue
                }
                held = nil
                if serve(current.descriptor, id: current.id) { return 0 }
            }
        }
    }

    /// One request on `descriptor`; records it in the scoreboard and the log. Returns true when the
    /// worker retires (recycled after `maxRequests`, or over its memory limit). `timer`: the master
    /// dispatched it as a timer invocation (`ControlMessage.timer`), the only way one is marked.
    private mutating func serve(_ descriptor: Int32, id: UInt64, timer: Bool = false) -> Bool {
        let configuration = invoker.spec.configuration
        let startedAt = Clock.monotonicNanoseconds()
        let maxEvent = invoker.builder.options.maxEventBytes
        let request: FastCGIRequest
        do {
            request = try responder.read(from: descriptor, maxBodyBytes: maxEvent)
        } catch {
            // No request: nginx closed the connection (libfcgi has closed our descriptor and holds
            // no request state).
            if !scoreboard.setIdle() { Self.awaitKill() }
            send(.closed(connection: id))
            notifyIfAsked()
            return false
        }
        let incoming = Self.incomingRequest(from: request)
        scoreboard.describe(
            fastCGIRequestId: UInt16(truncatingIfNeeded: request.requestId), requestId: incoming.requestId,
            method: incoming.method)
        let deadline = Clock.epochMilliseconds() + Int64(configuration.timeoutSeconds * 1000)
        let result: InvocationResult
        if let incomplete = request.incompleteBody {
            // Accepted by libfcgi but unreadable: answered here (when the connection still takes an
            // answer) and finished below like any request, so nothing of it reaches the next one.
            result = InvocationResult(error: RuntimeError(.incompleteRequest, "The request could not be read: \(incomplete)"))
        } else if request.announcedBodyLength > maxEvent {
            result = InvocationResult(
                error: RuntimeError(
                    .payloadTooLarge,
                    "The request body is \(request.announcedBodyLength) bytes; the limit for the whole event is \(maxEvent) bytes (3.5 MB)"))
        } else if timer {
            // A timer the master fired: the body is the trigger event itself.
            if let event = try? Event.decode(json: request.body), event.isTrigger {
                result = invoker.invoke(event, deadlineMilliseconds: deadline)
            } else {
                result = InvocationResult(error: RuntimeError(.malformedResponse, "The timer event could not be read"))
            }
        } else {
            result = invoker.invoke(incoming, deadlineMilliseconds: deadline)
        }
        var parts = result.response
        parts.headers.append(("X-Request-Id", incoming.requestId))
        // The answer is this worker's only if the master has not timed the invocation out: then it
        // has answered 504 itself and is killing this process, which must write nothing more.
        guard scoreboard.beginResponse() else { Self.awaitKill() }
        responder.write(status: parts.status, reason: HTTPStatus.reason(parts.status), headers: parts.headers, body: parts.body)
        let kept = responder.finish()
        served += 1
        // Reading /proc costs three system calls: check every 32 invocations, and after the first.
        let overMemory = served % 32 == 1 && fh_resident_bytes() > Int64(configuration.memoryMB) * 1_048_576
        let retiring =
            (configuration.maxRequests > 0 && served >= configuration.maxRequests) || overMemory || scoreboard.retireRequested
        // While requests wait at the master (it asks through `notify`), a kept connection goes back
        // to it instead of being held: the oldest waiting request is served next, not whichever
        // nginx happens to send on this connection (first come, first served under load).
        let yielding = kept && !retiring && scoreboard.notify
        let holding = kept && !retiring && !yielding
        if holding {
            held = (descriptor, id)
        } else if kept {
            close(descriptor)
        }
        let durationMilliseconds = Double(Clock.monotonicNanoseconds() - startedAt) / 1e6
        let slow = durationMilliseconds > configuration.effectiveSlowThresholdSeconds * 1000
        scoreboard.end(holding: holding, failed: result.outcome != .ok, slow: slow)
        if !kept {
            send(.closed(connection: id))
        } else if yielding {
            send(.released(connection: id))
        }
        log.invocation(
            requestId: incoming.requestId, function: invoker.spec.name, method: incoming.method, status: parts.status,
            durationMilliseconds: durationMilliseconds, outcome: result.outcome, failure: result.failure)
        if slow {
            log.event("slow_invocation", level: "warning", [
                "function": .string(invoker.spec.name), "requestId": .string(incoming.requestId),
                "durationMs": .number((durationMilliseconds * 100).rounded() / 100),
                "thresholdMs": .number(configuration.effectiveSlowThresholdSeconds * 1000),
            ])
        }
        log.flushIfDue()
        notifyIfAsked()
        return retiring
    }

    /// The master timed the running invocation out and kills this process: wait for it.
    private static func awaitKill() -> Never {
        while true { pause() }
    }

    /// Tells the master this worker is free when it has asked (requests are waiting).
    private func notifyIfAsked() {
        if scoreboard.notify { send(.free) }
    }

    private func send(_ message: ControlMessage) {
        let bytes = message.encoded()
        _ = bytes.withUnsafeBytes { fh_send_with_fd(control, $0.baseAddress, $0.count, -1) }
    }

    /// FastCGI parameters -> the transport-neutral request (`IncomingRequest(cgiParameters:...)`).
    static func incomingRequest(from request: FastCGIRequest) -> IncomingRequest {
        IncomingRequest(
            cgiParameters: request.parameters, body: request.body, receivedAtMilliseconds: Clock.epochMilliseconds())
    }
}
