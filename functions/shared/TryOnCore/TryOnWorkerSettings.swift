#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import ReplicateModel

/// How the try-on worker and webhook move tasks, read once per process from the environment.
public struct TryOnWorkerSettings: Sendable {
    /// The `cuuupid/idm-vton` version the worker runs unless told otherwise.
    public static let pinnedModelVersion = IDMVTON.pinnedVersion
    /// Replicate's own API, where no webhook URL can be guessed (`REPLICATE_WEBHOOK_URL`).
    public static let replicateAPI = "https://api.replicate.com"

    /// `REPLICATE_API_TOKEN`; nil when unset or empty.
    public var replicateToken: String?
    /// `REPLICATE_BASE_URL`, default https://api.replicate.com.
    public var replicateBaseURL: String
    /// `REPLICATE_MODEL_VERSION`, default ``pinnedModelVersion``.
    public var modelVersion: String
    /// `WORKER_TOKEN`: when set, an HTTP call of the worker must carry it as `X-Worker-Token`.
    public var workerToken: String?
    /// The shortest time a call to Replicate (a create, a read, a download) is given, milliseconds. 1000.
    public static let minimumCallMilliseconds = 1000

    /// `LEASE_SECONDS`: how long a claim holds a task without renewing, seconds. Default 30. No single
    /// call, download or retry pause may outlast a third of it (``longestCallMilliseconds``), so the
    /// lease, renewed before each, never lapses during one; at least 3 (a third is the shortest call).
    public var leaseSeconds: Double
    /// Why these settings cannot run (a lease too short for one call, a `STORAGE_BACKEND` that names
    /// no backend), as the functions refuse to start with it; nil when they can.
    public var configurationProblem: String?
    /// `WORKER_RESERVE_MS`: time kept for checkpointing before an invocation's deadline,
    /// milliseconds. Default 8000.
    public var reserveMilliseconds: Int64
    /// `REPLICATE_CANCEL_AFTER`: `Cancel-After` sent with each create (caps what an orphaned
    /// prediction costs). Default "5m".
    public var cancelAfter: String
    /// `STORAGE_BACKEND`, `STORAGE_DIR`, `STORAGE_PUBLIC_URL`: where outputs are copied (a folder, or
    /// PostgreSQL as well) and how they are served. A `STORAGE_BACKEND` that names no backend is a
    /// ``configurationProblem``.
    public var storage: ResultStorage
    /// `locked_by`: host and pid.
    public var workerId: String
    /// Where a worker invocation asks for the next one while tasks are ready (`WORKER_URL`, default
    /// its own public URL mapped to this host); nil with `WORKER_CHAIN=off`.
    public var chainURL: String?
    /// Where Replicate reports each completed prediction (`REPLICATE_WEBHOOK_URL`): nil means no
    /// webhooks, and waiting tasks are checked by the worker's timer alone. Default: this host's
    /// `replicate-webhook` when the functions run under `fnhost serve` (`FNHOST_BASE_URL`) and
    /// Replicate is not api.replicate.com (the stand-in, which can reach this host); otherwise
    /// none, since Replicate itself cannot reach a development machine. `off` turns webhooks off;
    /// set it to the public URL of `replicate-webhook` to use them with Replicate.
    public var webhookURL: String?
    /// `REPLICATE_WEBHOOK_SECRET`: the signing secret (`whsec_...`). Default: fetched once from
    /// `GET /v1/webhooks/default/secret` with the token.
    public var webhookSecret: String?
    /// `WAIT_CHECK_SECONDS`: how long after a create, and then between checks, the worker's timer
    /// reads a waiting prediction itself. Default 30 with webhooks (a fallback for a lost
    /// delivery), 3 without (then it is how tasks advance). At least 1.
    public var waitCheckSeconds: Double
    /// `WAIT_CHECK_BATCH`: most waiting predictions one worker invocation reads. Default 50.
    public var waitCheckBatch: Int
    /// `WORKER_BATCH`: most pending tasks one worker invocation starts (each start is one create
    /// and one write). Default 50.
    public var startBatch: Int

    public init(environment: [String: String]) {
        replicateToken = environment["REPLICATE_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        replicateBaseURL = environment["REPLICATE_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.replicateAPI
        modelVersion = environment["REPLICATE_MODEL_VERSION"] ?? Self.pinnedModelVersion
        workerToken = environment["WORKER_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        leaseSeconds = Double(environment["LEASE_SECONDS"] ?? "").flatMap { $0.isFinite ? $0 : nil } ?? 30
        let shortestLease = Double(3 * Self.minimumCallMilliseconds) / 1000
        if leaseSeconds < shortestLease {
            configurationProblem =
                "LEASE_SECONDS=\(environment["LEASE_SECONDS"] ?? "") is too short: a call to Replicate may take a third of "
                + "the lease and needs at least \(Self.minimumCallMilliseconds) ms, so the lease must be at least "
                + "\(Int(shortestLease)) seconds"
        }
        reserveMilliseconds = Int64(environment["WORKER_RESERVE_MS"] ?? "") ?? 8000
        cancelAfter = environment["REPLICATE_CANCEL_AFTER"] ?? "5m"
        chainURL =
            environment["WORKER_CHAIN"] == "off"
            ? nil
            : environment["WORKER_URL"]
                ?? FunctionURL.local(for: TryOnFunctionURL.worker, environment: environment)
        webhookURL = Self.webhookURL(environment, replicateBaseURL: replicateBaseURL)
        webhookSecret = environment["REPLICATE_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        waitCheckSeconds = max(1, Double(environment["WAIT_CHECK_SECONDS"] ?? "") ?? (webhookURL == nil ? 3 : 30))
        waitCheckBatch = max(1, Int(environment["WAIT_CHECK_BATCH"] ?? "") ?? 50)
        startBatch = max(1, Int(environment["WORKER_BATCH"] ?? "") ?? 50)
        do {
            storage = try ResultStorage.fromEnvironment(environment)
        } catch {
            storage = ResultStorage.fromEnvironment(environment, backend: .files)
            configurationProblem = configurationProblem ?? error.message
        }
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        workerId = "\(host):\(getpid())"
    }

    /// The longest any single call to Replicate, download or pause between retries may take while a
    /// task is claimed: a third of the lease, milliseconds.
    public var longestCallMilliseconds: Int { Int(leaseSeconds * 1000 / 3) }

    /// The rule of ``webhookURL``.
    static func webhookURL(_ environment: [String: String], replicateBaseURL: String) -> String? {
        if let given = environment["REPLICATE_WEBHOOK_URL"], !given.isEmpty {
            return given == "off" ? nil : given
        }
        var base = replicateBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard base != Self.replicateAPI, let host = environment["FNHOST_BASE_URL"], !host.isEmpty else { return nil }
        return FunctionURL.local(for: TryOnFunctionURL.webhook, environment: environment)
    }
}
