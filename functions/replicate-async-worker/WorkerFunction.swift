#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import HTTPClient
import TryOnCore

/// `replicate-async-worker` (GET or POST, and the timer): sweeps expired leases, claims ONE pending
/// task and processes it through Replicate within this invocation's time, checkpointing so that a
/// crash, a timeout or a lost lease never loses or doubles work (see `TaskProcessor`).
///
/// Environment: `DATABASE_URL`, `MAIN_DB_SCHEMA`; `REPLICATE_API_TOKEN` (required),
/// `REPLICATE_BASE_URL` (default https://api.replicate.com), `REPLICATE_MODEL_VERSION` (default the
/// version the original application pinned); `WORKER_TOKEN` (when set, `X-Worker-Token` must match);
/// `LEASE_SECONDS` (default 30); `POLL_INTERVAL_MS` (default 1000, doubled after 10 s);
/// `STORAGE_DIR`, `STORAGE_PUBLIC_URL` (where outputs are copied and how they are served).
public struct WorkerFunction: CloudFunction {
    static let headers = CORS.headers.merging(["Access-Control-Allow-Methods": "GET, POST, OPTIONS"]) { _, new in new }

    private var store: TaskStore?
    private var replicate: ReplicateClient?
    private let settings: WorkerSettings
    /// Sends the chained invocation that keeps a backlog draining (fire-and-forget).
    private let chain = BackgroundSender(threads: 1, maxPending: 2)

    public init() throws {
        settings = WorkerSettings(environment: ProcessEnvironment.current)
    }

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        // Its timer (function.json) invokes it with a trigger event: no method, and no token needed,
        // since triggers come from the host itself.
        if event.isTrigger { return try processOne(context: context) }
        if event.httpMethod == "OPTIONS" { return CORS.preflight(methods: "GET, POST, OPTIONS") }
        try checkHTTPInvocation(event)
        return try processOne(context: context)
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

    /// Sweeps, claims one task and processes it.
    private mutating func processOne(context: Context) throws -> Response {
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
        guard let task = try store.claim(workerId: settings.workerId, leaseSeconds: settings.leaseSeconds) else {
            var body = JSONText(capacity: 96)
            body.add("message", "No pending tasks")
            if sweep.rescued > 0 { body.add("rescued", sweep.rescued) }
            if sweep.expired > 0 { body.add("expired", sweep.expired) }
            return .json(200, body.finish(), headers: Self.headers)
        }
        var processor = TaskProcessor(
            store: store, replicate: replicate, storage: settings.storage, settings: settings, context: context)
        let outcome = processor.process(task)
        chainIfBacklog(store)
        var body = JSONText(capacity: 160)
        body.add("message", outcome.message)
        body.add("task_id", task.id)
        body.add("status", outcome.status)
        body.add("steps_done", outcome.stepsDone)
        if sweep.rescued > 0 { body.add("rescued", sweep.rescued) }
        return .json(200, body.finish(), headers: Self.headers)
    }
}

extension WorkerFunction {
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

/// The worker's configuration, read once per process.
public struct WorkerSettings: Sendable {
    /// The `cuuupid/idm-vton` version the original application pinned.
    public static let pinnedModelVersion = "c871bb9b046607b680449ecbae55fd8c6d945e0a1948644bf2361b3d021d3ff4"

    public var replicateToken: String?
    public var replicateBaseURL: String
    public var modelVersion: String
    public var workerToken: String?
    /// Lease length, seconds; renewed while the worker polls. Default 30.
    public var leaseSeconds: Double
    /// First poll interval, milliseconds (doubled after 10 s of polling). Default 1000.
    public var pollIntervalMilliseconds: Int
    /// Time kept in reserve for checkpointing before the invocation's deadline, milliseconds. Default 8000.
    public var reserveMilliseconds: Int64
    /// `Cancel-After` sent with each create (caps what an orphaned prediction costs). Default "5m".
    public var cancelAfter: String
    public var storage: ResultStorage
    /// `locked_by`: host and pid.
    public var workerId: String
    /// Where a worker invocation asks for the next one while tasks are ready (`WORKER_URL`, default
    /// its own public URL mapped to this host); nil with `WORKER_CHAIN=off`.
    public var chainURL: String?

    public init(environment: [String: String]) {
        replicateToken = environment["REPLICATE_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        replicateBaseURL = environment["REPLICATE_BASE_URL"] ?? "https://api.replicate.com"
        modelVersion = environment["REPLICATE_MODEL_VERSION"] ?? Self.pinnedModelVersion
        workerToken = environment["WORKER_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        leaseSeconds = max(2, Double(environment["LEASE_SECONDS"] ?? "") ?? 30)
        pollIntervalMilliseconds = max(20, Int(environment["POLL_INTERVAL_MS"] ?? "") ?? 1000)
        reserveMilliseconds = Int64(environment["WORKER_RESERVE_MS"] ?? "") ?? 8000
        cancelAfter = environment["REPLICATE_CANCEL_AFTER"] ?? "5m"
        chainURL =
            environment["WORKER_CHAIN"] == "off"
            ? nil
            : environment["WORKER_URL"]
                ?? FunctionURL.local(for: TryOnFunctionURL.worker, environment: environment)
        storage = ResultStorage.fromEnvironment(environment)
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        workerId = "\(host):\(getpid())"
    }
}
