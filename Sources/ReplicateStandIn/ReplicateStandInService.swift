import Synchronization
import ReplicateModel

/// The stand-in's behaviour: routes one parsed request to its handler and returns the answer.
///
/// Independent of sockets (the connection loop lives in ``ConnectionHandler``), so the whole
/// API can be exercised by handing it ``HTTPRequest`` values. All state sits in one
/// `Mutex<StandInState>`; the lock is never held while sleeping (hang faults, `Prefer: wait`)
/// or rendering a PNG.
///
/// Routes:
/// - `POST /v1/predictions`, `POST /v1/models/{owner}/{name}/predictions` — create
/// - `GET /v1/predictions` — list; `GET /v1/predictions/{id}` — read; `POST …/{id}/cancel` — cancel
/// - `GET /v1/models[/{owner}/{name}[/versions[/{id}]]]` — the model and its versions, which the
///   official Python client reads during `replicate.run` (see ``ModelCatalog``)
/// - `GET /v1/webhooks/default/secret` — the webhook signing secret (`{"key": "whsec_…"}`, auth required)
/// - `GET /files/{id}.png` — output images (no auth, like Replicate's delivery URLs)
/// - `/_standin/…` — the admin API (faults, calls, stats, health; no auth)
///
/// Creates with a `webhook` also get signed deliveries from the ``WebhookDispatcher`` threads
/// (see `ReplicateStandInService+Webhooks.swift`).
final class ReplicateStandInService: Sendable {
    /// The pinned `cuuupid/idm-vton` version, used for model-route creates.
    static let pinnedVersion = IDMVTON.pinnedVersion
    /// The model every version-route prediction reports.
    static let modelName = IDMVTON.fullName
    let configuration: ReplicateStandInConfiguration
    /// The signing secret: the configured one, or random per service (`whsec_` + 32 random bytes).
    /// Returned by `GET /v1/webhooks/default/secret`.
    let webhookSecret: String
    /// The background threads that send webhook deliveries.
    let webhooks: WebhookDispatcher
    let state: Mutex<StandInState>
    let files: FilesDirectory?
    /// Set by ``stop()``: hangs end early so shutdown is prompt.
    private let stopping = Atomic<Bool>(false)

    init(configuration: ReplicateStandInConfiguration) {
        self.configuration = configuration
        state = Mutex(StandInState(maxRecordedCalls: configuration.maxRecordedCalls))
        webhookSecret = configuration.webhookSecret ?? WebhookDelivery.newSecret()
        webhooks = WebhookDispatcher(senderCount: configuration.webhookSenders, log: configuration.log)
        files = configuration.filesDirectory.map(FilesDirectory.init(path:))
        if let message = files?.create() { configuration.log?("files directory: \(message)") }
    }

    /// Makes pending and future holds return at once, and ends webhook deliveries (none is
    /// sent after this returns; it waits up to about a second for the sender threads).
    func stop() {
        stopping.store(true, ordering: .relaxed)
        webhooks.stop()
    }

    /// Answers one request; nil means "close the connection without sending anything"
    /// (the `dropAfterCreate` fault).
    ///
    /// - Parameter fallbackHost: `host:port` for links when the request has no `Host` header.
    func handle(_ request: HTTPRequest, fallbackHost: String) -> HTTPResponse? {
        let base = "http://" + (request.header("Host").flatMap { $0.isEmpty ? nil : $0 } ?? fallbackHost)
        let response = route(request, base: base)
        configuration.log?("\(request.method) \(request.path) -> \(response.map { String($0.status) } ?? "dropped")")
        return response
    }

    private func route(_ request: HTTPRequest, base: String) -> HTTPResponse? {
        let segments = request.pathSegments
        let method = request.method == "HEAD" ? "GET" : request.method
        let first = segments.first ?? ""
        if first == "_standin" { return admin(method, Array(segments.dropFirst()), request) }
        if first == "files", segments.count == 2 {
            guard method == "GET" else { return methodNotAllowed("GET, HEAD") }
            return file(named: segments[1], request: request)
        }
        guard first == "v1" else { return noRoute(request) }
        let rest = Array(segments.dropFirst())
        if rest == ["predictions"] {
            if method == "POST" { return create(request, model: nil, base: base) }
            if method == "GET" { return list(request, base: base) }
            return methodNotAllowed("GET, POST")
        }
        if rest.first == "models" { return models(method, Array(rest.dropFirst()), request, base: base) }
        if rest.count == 2, rest[0] == "predictions" {
            guard method == "GET" else { return methodNotAllowed("GET") }
            return get(id: rest[1], request: request, base: base)
        }
        if rest.count == 3, rest[0] == "predictions", rest[2] == "cancel" {
            guard method == "POST" else { return methodNotAllowed("POST") }
            return cancel(id: rest[1], request: request, base: base)
        }
        if rest == ["webhooks", "default", "secret"], method == "GET" {
            return authorized(request) ?? .json(200, .object(["key": .string(webhookSecret)]))
        }
        return noRoute(request)
    }

    /// The 404 problem for a path the stand-in does not serve, naming method and path. Under
    /// `/v1` it is logged as an `other` call, so an API request the stand-in lacks shows up in
    /// `/_standin/calls`; stray paths elsewhere (`/favicon.ico`) are not logged.
    func noRoute(_ request: HTTPRequest) -> HTTPResponse {
        if request.pathSegments.first == "v1" { record(CallRecord(request, kind: .other, status: 404)) }
        return .problem(404, detail: "No route for \(request.method) \(request.path).")
    }

    /// nil when the request carries `Authorization: Bearer <token>` or `Token <token>`
    /// (any non-empty token); otherwise the 401 problem to send.
    func authorized(_ request: HTTPRequest) -> HTTPResponse? {
        let value = (request.header("Authorization") ?? "").trimmingCharacters(in: " \t")
        let parts = value.split(separator: " ", maxSplits: 1)
        if parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()),
           !parts[1].trimmingCharacters(in: " \t").isEmpty {
            return nil
        }
        return .problem(401, detail: "You did not pass a valid authentication token",
                        headers: [("WWW-Authenticate", "Bearer")])
    }

    func methodNotAllowed(_ allow: String) -> HTTPResponse {
        .problem(405, detail: "Method not allowed; use \(allow).", headers: [("Allow", allow)])
    }

    /// Appends a call to the log under the lock.
    func record(_ call: CallRecord) {
        state.withLock { $0.record(call) }
    }

    /// Sleeps `milliseconds` (lock not held), ending early once ``stop()`` was called.
    func hold(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        ThreadLauncher.sleep(milliseconds: milliseconds) { stopping.load(ordering: .relaxed) }
    }
}

extension CallRecord {
    /// A record for `request` with no prediction yet; sequence and time are filled in here.
    init(_ request: HTTPRequest, kind: Kind, status: Int, predictionID: String? = nil) {
        self.init(sequence: 0, timeMs: WallClock.nowMilliseconds(), method: request.method, path: request.path,
                  kind: kind, predictionID: predictionID, status: status)
        prefer = request.header("Prefer")
        userAgent = request.header("User-Agent")
    }
}
