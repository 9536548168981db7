#if canImport(Glibc)
import Glibc
#endif
import FastCGI
import FunctionRuntime

/// Timer triggers: the master fires them on schedule through the function's own pool, as a FastCGI
/// client on a socketpair whose other end goes into the pool's queue like any nginx connection (so
/// timeouts, crashes and throttling apply to it unchanged).
extension Master {
    /// An invocation the master started itself, awaiting its answer on `client`.
    struct TriggerRun {
        var pool: PoolIndex
        var trigger: String
        /// The scheduler entry, nil for a hand-fired trigger of a function without one declared.
        var entry: Int?
        var startedAt: UInt64
        var requestId: String
        var received: [UInt8] = []
    }

    /// Fires the triggers due now and skips (and counts) those that cannot run. In a cluster only
    /// the timer leader fires; a host that is draining, or standing by, lets its ticks pass.
    func serviceTriggers() {
        guard !lifecycle.isWindingDown else { return }
        let now = Clock.epochMilliseconds() / 1000
        let leads = lifecycle.firesTimers && (election?.leads(now: Clock.monotonicNanoseconds()) ?? true)
        let decisions = scheduler.due(now: now, leads: leads) { pools[$0].availableCount > 0 }
        for decision in decisions {
            switch decision {
            case .fire(let entry, let tick):
                let scheduled = scheduler.entries[entry]
                if startTrigger(pool: scheduled.pool, trigger: scheduled.trigger, entry: entry, tick: tick) == nil {
                    scheduler.abandoned(entry: entry)
                }
            case .skip(let entry, let reason):
                let skipped = scheduler.entries[entry]
                log.event("timer_skipped", [
                    "function": .string(pools[skipped.pool].spec.name), "trigger": .string(skipped.trigger.name),
                    "reason": .string(reason),
                ])
            }
        }
    }

    /// Fires `function`'s trigger `name` (nil: its first) now, outside its schedule. Returns the
    /// request id, or an error text.
    func fireByHand(function: String, name: String?) -> Result<String, TriggerFireError> {
        guard let pool = pools.firstPlace(where: { $0.spec.name == function || $0.spec.uuid == function.lowercased() }) else {
            return .failure(TriggerFireError(status: 404, message: "No function \(function)"))
        }
        guard let entry = scheduler.entry(pool: pool, name: name) else {
            let what = name.map { "no timer trigger named \($0)" } ?? "no timer trigger"
            return .failure(TriggerFireError(status: 404, message: "Function \(pools[pool].spec.name) has \(what)"))
        }
        let trigger = scheduler.entries[entry].trigger
        scheduler.firedByHand(entry: entry)
        guard let requestId = startTrigger(pool: pool, trigger: trigger, entry: entry) else {
            scheduler.abandoned(entry: entry)
            return .failure(TriggerFireError(status: 429, message: "Function \(pools[pool].spec.name) cannot take an invocation now"))
        }
        return .success(requestId)
    }

    /// Starts one trigger invocation; returns its request id, or nil when the pool refused it.
    /// `tick`: the scheduled tick it fires for (Unix seconds), nil when fired by hand.
    @discardableResult
    func startTrigger(pool: PoolIndex, trigger: TriggerConfiguration, entry: Int?, tick: Int64? = nil) -> String? {
        let requestId = TraceID.make()
        let event = Event.timer(
            triggerId: trigger.name, payload: trigger.payload, epochMilliseconds: Clock.epochMilliseconds(), eventId: requestId)
        guard let body = try? event.jsonText() else { return nil }
        let request = FastCGIRecord.request(
            requestId: 1,
            parameters: [
                ("REQUEST_METHOD", "TIMER"), ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", String(body.utf8.count)),
                ("FNHOST_TRIGGER_NAME", trigger.name), ("FNHOST_REQUEST_ID", requestId),
            ],
            body: Array(body.utf8))
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return nil }
        let written = request.withUnsafeBytes { send(ends[0], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == request.count else {
            close(ends[0])
            close(ends[1])
            return nil
        }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        let id = connections.register(descriptor: ends[1], pool: pool, isTimer: true)
        let now = Clock.monotonicNanoseconds()
        let pending = PendingConnection(
            id: id, descriptor: ends[1], arrivedAt: now,
            request: RequestSummary(fastCGIRequestId: 1, requestId: requestId, method: "TIMER"))
        guard pools[pool].enqueue(pending, policy: options.policy) else {
            connections.close(id)
            close(ends[0])
            return nil
        }
        triggerRuns[ends[0]] = TriggerRun(pool: pool, trigger: trigger.name, entry: entry, startedAt: now, requestId: requestId)
        log.event("timer_fired", [
            "function": .string(pools[pool].spec.name), "trigger": .string(trigger.name), "requestId": .string(requestId),
            "tick": tick.map { .number(Double($0)) } ?? .null, "host": .string(options.hostName),
        ])
        return requestId
    }

    /// The answer to a trigger invocation arrived (or its connection ended).
    func triggerClientReadable(_ descriptor: Int32) {
        guard var run = triggerRuns[descriptor] else { return }
        // A response is capped at 3.5 MB by the worker; past that, stop reading and take what came.
        let ended = connections.receiveAvailable(descriptor, into: &run.received, limit: 4_000_000) || run.received.count >= 4_000_000
        let answer = FastCGIRecord.parseResponse(run.received)
        guard answer != nil || ended else {
            triggerRuns[descriptor] = run
            return
        }
        // Close at once: the worker's libfcgi waits for this end to close before it goes on.
        triggerRuns[descriptor] = nil
        close(descriptor)
        let status = answer?.status ?? 0
        if let entry = run.entry { scheduler.finished(entry: entry, status: status) }
        log.event("timer_finished", [
            "function": .string(pools[run.pool].spec.name), "trigger": .string(run.trigger),
            "requestId": .string(run.requestId), "status": .number(Double(status)),
            "durationMs": .number((Double(Clock.monotonicNanoseconds() - run.startedAt) / 1e4).rounded() / 100),
        ])
    }
}

extension Master {
    /// Writes what the timer election reported since the last turn.
    func logElectionReports() {
        guard let election else { return }
        for report in election.takeReports() {
            log.event(report.event, report.details.merging(["host": .string(options.hostName)]) { mine, _ in mine })
        }
    }
}

/// Why a trigger could not be fired by hand.
struct TriggerFireError: Error {
    var status: Int
    var message: String
}
