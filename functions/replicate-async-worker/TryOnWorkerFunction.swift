#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import HTTPClient
import TryOnCore

/// `replicate-async-worker` (GET or POST, and the timer): sweeps expired leases and deadlines,
/// starts the ready tasks (for each, one prediction created, checkpointed and waited for without a
/// process: see `TaskProcessor`), and reads a batch of waiting predictions whose check is due, so
/// every task advances even when no webhook reaches this host.
///
/// Environment: `DATABASE_URL`, `MAIN_DB_SCHEMA`, and `TryOnWorkerSettings`'s variables
/// (`REPLICATE_API_TOKEN` required; `REPLICATE_WEBHOOK_URL`, `WAIT_CHECK_SECONDS`, `WORKER_TOKEN`,
/// `LEASE_SECONDS`, `STORAGE_DIR`, ...).
public struct TryOnWorkerFunction: CloudFunction {
    static let headers = CORS.headers.merging(["Access-Control-Allow-Methods": "GET, POST, OPTIONS"]) { _, new in new }

    private var store: TaskStore?
    private var replicate: ReplicateClient?
    private let settings: TryOnWorkerSettings
    /// Sends the chained invocation that keeps a backlog draining (fire-and-forget).
    private let chain = BackgroundSender(threads: 1, maxPending: 2)

    public init() throws {
        settings = TryOnWorkerSettings(environment: ProcessEnvironment.current)
        if let problem = settings.configurationProblem { throw TryOnError(.internal, problem, headers: Self.headers) }
    }

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        // Its timer (function.json) invokes it with a trigger event: no method, and no token needed,
        // since triggers come from the host itself.
        if event.isTrigger { return try work(context: context) }
        if event.httpMethod == "OPTIONS" { return CORS.preflight(methods: "GET, POST, OPTIONS") }
        try checkHTTPInvocation(event)
        return try work(context: context)
    }

    /// Method and worker token of an HTTP invocation.
    private func checkHTTPInvocation(_ event: Event) throws(TryOnError) {
        switch event.httpMethod {
        case "GET", "POST": break
        default: throw TryOnError(.methodNotAllowed, "Use GET or POST to run the worker", headers: Self.headers)
        }
        if let expected = settings.workerToken {
            let refusal = TryOnError(.unauthorized, "X-Worker-Token is missing or wrong", headers: Self.headers)
            // A repeated header is refused whatever its values: only one token may be presented.
            guard let given = try? RequestIdentity.singleHeader(event, "X-Worker-Token", problem: refusal.message),
                RequestIdentity.secretsMatch(given, expected)
            else { throw refusal }
        }
    }

    /// Sweeps, starts what is ready, then reads the waiting predictions that are due.
    private mutating func work(context: Context) throws -> Response {
        guard let token = settings.replicateToken else {
            throw TryOnError(.internal, "REPLICATE_API_TOKEN is not set; the worker cannot call Replicate", headers: Self.headers)
        }
        if store == nil { store = try TaskStore() }
        if replicate == nil {
            do {
                replicate = try ReplicateClient(baseURL: settings.replicateBaseURL, token: token)
            } catch {
                throw TryOnError(.internal, "The Replicate client could not start: \(error.message)", headers: Self.headers)
            }
        }
        guard let store, let replicate else { throw TryOnError(.internal, "worker not initialized") }

        let sweep = try store.sweep()
        var processor = TaskProcessor(store: store, replicate: replicate, settings: settings, context: context)
        var first: (task: ClaimedTask, outcome: TaskProcessor.Outcome)?
        var started = 0
        while started < settings.startBatch, context.remainingTimeInMillis() > settings.reserveMilliseconds * 2,
            let task = try store.claim(workerId: settings.workerId, leaseSeconds: settings.leaseSeconds)
        {
            let outcome = processor.start(task)
            if first == nil {
                first = (task, outcome)
                chainIfBacklog(store)
            }
            started += 1
        }
        let checks = try checkWaiting(store: store, replicate: replicate, processor: &processor, context: context)

        var body = JSONText(capacity: 200)
        body.add("message", started == 0 && checks.advanced == 0 ? "No pending tasks" : "Started \(started), advanced \(checks.advanced)")
        if let first {
            body.add("task_id", first.task.id)
            body.add("status", first.outcome.status)
            body.add("steps_done", first.outcome.stepsDone)
        }
        body.add("started", started)
        if checks.checked > 0 { body.add("checked", checks.checked) }
        if checks.advanced > 0 { body.add("advanced", checks.advanced) }
        if sweep.rescued > 0 { body.add("rescued", sweep.rescued) }
        if sweep.expired > 0 { body.add("expired", sweep.expired) }
        return .json(200, body.finish(), headers: Self.headers)
    }

    /// Reads up to `WAIT_CHECK_BATCH` waiting predictions whose check is due (one invocation, many
    /// tasks) and advances each that has ended, as a webhook delivery would have.
    private func checkWaiting(
        store: TaskStore, replicate: ReplicateClient, processor: inout TaskProcessor, context: Context
    ) throws(TryOnError) -> (checked: Int, advanced: Int) {
        let due = try store.dueChecks(limit: settings.waitCheckBatch, recheckSeconds: settings.waitCheckSeconds)
        var advanced = 0
        var checked = 0
        for check in due where context.remainingTimeInMillis() > settings.reserveMilliseconds * 2 {
            checked += 1
            let budget = Int(min(5000, max(500, context.remainingTimeInMillis() - settings.reserveMilliseconds)))
            switch Result(catching: { () throws(ReplicateFailure) in try replicate.get(check.predictionId, budgetMilliseconds: budget) }) {
            case .success(let prediction):
                guard prediction.isTerminal,
                    let task = try store.claimWaiting(
                        predictionId: check.predictionId, workerId: settings.workerId, leaseSeconds: settings.leaseSeconds)
                else { continue }
                _ = processor.advance(task, ended: prediction)
                advanced += 1
            case .failure(let failure) where failure.kind == .notFound:
                // Replicate no longer knows it: the task starts the step again with a new prediction.
                guard let task = try store.claimWaiting(
                    predictionId: check.predictionId, workerId: settings.workerId, leaseSeconds: settings.leaseSeconds)
                else { continue }
                _ = processor.start(task)
                advanced += 1
            case .failure:
                // Transient: the check is due again after WAIT_CHECK_SECONDS.
                continue
            }
        }
        return (checked, advanced)
    }
}

extension TryOnWorkerFunction {
    /// One task per invocation, as the platform's worker does; when more tasks are ready, this
    /// invocation asks for the next one (through the worker's own URL, fire-and-forget), so a
    /// backlog drains as fast as the pool allows rather than one task per timer tick.
    func chainIfBacklog(_ store: TaskStore) {
        guard let url = settings.chainURL, (try? store.hasReadyTask()) == true else { return }
        var headers = [HTTPHeader(name: "X-Triggered-By", value: "replicate-async-worker (backlog)")]
        if let token = settings.workerToken { headers.append(HTTPHeader(name: "X-Worker-Token", value: token)) }
        chain.send(
            HTTPClientRequest(
                method: "GET", url: url, headers: headers, connectTimeoutMilliseconds: 500, timeoutMilliseconds: 1500,
                maxResponseBytes: 65_536))
    }
}
