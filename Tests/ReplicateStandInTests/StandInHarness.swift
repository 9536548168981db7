import FnhostTestSupport
import FunctionRuntime
@testable import ReplicateStandIn

/// Starts a stand-in on an ephemeral port for one test and offers shortcuts for its API.
final class StandInHarness {
    let server: ReplicateStandInServer
    var port: Int { server.port }

    static let version = ReplicateStandInService.pinnedVersion
    static let auth = [("Authorization", "Bearer r8_test")]

    /// A started stand-in. Webhook retries default to a 20 ms base here (1 s in production) so
    /// retry tests finish quickly.
    init(delayMs: Int = 0, filesDirectory: String? = nil, jitterMs: Int = 0, webhookSecret: String? = nil,
         webhookAttempts: Int = 6, webhookRetryMs: Int = 20) throws {
        server = try ReplicateStandInServer(configuration: .init(
            phaseDelayMilliseconds: delayMs, filesDirectory: filesDirectory, idleTimeoutSeconds: 10,
            delayJitterMilliseconds: jitterMs, webhookSecret: webhookSecret, webhookAttempts: webhookAttempts,
            webhookRetryMilliseconds: webhookRetryMs))
        try server.start()
    }

    deinit {
        server.stop()
    }

    /// A fresh connection.
    func connect() throws -> RawHTTPConnection {
        try RawHTTPConnection(port: port)
    }

    /// One request on its own connection.
    func request(_ method: String, _ path: String, headers: [(String, String)] = auth,
                 body: String? = nil) throws -> RawHTTPResponse {
        try connect().request(method, path, headers: headers, body: body)
    }

    /// A valid idm-vton input object as JSON text, with optional extra members (already JSON).
    static func input(human: String = "https://storage.example.com/t_01/person.jpg",
                      garment: String = "https://storage.example.com/t_01/garment-0.jpg",
                      category: String = "upper_body", extra: String = "") -> String {
        "{\"human_img\":\"\(human)\",\"garm_img\":\"\(garment)\",\"garment_des\":\"short sleeve t-shirt\","
            + "\"category\":\"\(category)\",\"crop\":false,\"steps\":30,\"seed\":42\(extra)}"
    }

    /// A create body for the version route.
    static func createBody(input: String = input()) -> String {
        "{\"version\":\"\(version)\",\"input\":\(input)}"
    }

    /// A create body for the version route with extra top-level members (already JSON, e.g.
    /// `"webhook":"http://…"`).
    static func createBody(input: String = input(), extra: String) -> String {
        "{\"version\":\"\(version)\",\"input\":\(input),\(extra)}"
    }

    /// Creates a prediction whose webhook is `url` (with `filter`, a JSON array, when given) and
    /// returns its id (the create must answer 201).
    func createWithWebhook(_ url: String, filter: String? = nil, input: String = input()) throws -> String {
        let extra = "\"webhook\":\"\(url)\"" + (filter.map { ",\"webhook_events_filter\":\($0)" } ?? "")
        let response = try request("POST", "/v1/predictions", body: Self.createBody(input: input, extra: extra))
        guard response.status == 201, let id = try response.json()["id"]?.stringValue else {
            throw RawHTTPConnection.Failure("create answered \(response.status): \(response.text)")
        }
        return id
    }

    /// The secret `GET /v1/webhooks/default/secret` reports.
    func webhookSecret() throws -> String {
        guard let key = try request("GET", "/v1/webhooks/default/secret").json()["key"]?.stringValue else {
            throw RawHTTPConnection.Failure("no key in the webhook secret answer")
        }
        return key
    }

    /// The call log's `webhook` entries (delivery attempts and drops), optionally of one prediction.
    func webhookCalls(of id: String? = nil) throws -> [JSONValue] {
        try calls().filter {
            $0["kind"]?.stringValue == "webhook" && (id == nil || $0["prediction_id"]?.stringValue == id)
        }
    }

    /// Polls the call log every 10 ms until `ready` accepts the webhook entries or `timeoutMs`
    /// passes; returns the last entries seen.
    @discardableResult
    func waitForWebhookCalls(of id: String? = nil, timeoutMs: Int = 5000,
                             until ready: ([JSONValue]) -> Bool) throws -> [JSONValue] {
        var entries: [JSONValue] = []
        try poll(within: Double(timeoutMs) / 1000, every: 0.01) {
            entries = try webhookCalls(of: id)
            return ready(entries)
        }
        return entries
    }

    /// The phase delay the stand-in chose for prediction `id` (jitter applied), milliseconds.
    func phaseDelay(of id: String) -> Int? {
        server.service.state.withLock { $0.predictions[id]?.phaseDelayMs }
    }

    /// POST /v1/predictions with a valid body.
    func create(input: String = input(), headers: [(String, String)] = auth) throws -> RawHTTPResponse {
        try request("POST", "/v1/predictions", headers: headers, body: Self.createBody(input: input))
    }

    /// Creates and returns the new prediction's id (the create must answer 201).
    func createID(input: String = input()) throws -> String {
        let response = try create(input: input)
        guard response.status == 201, let id = try response.json()["id"]?.stringValue else {
            throw RawHTTPConnection.Failure("create answered \(response.status): \(response.text)")
        }
        return id
    }

    /// GET /v1/predictions/{id} parsed as JSON (any status).
    func get(_ id: String) throws -> (status: Int, json: JSONValue) {
        let response = try request("GET", "/v1/predictions/\(id)")
        return (response.status, try response.json())
    }

    /// Polls every 20 ms until the status is terminal or `timeoutMs` passes; the last state seen.
    func waitTerminal(_ id: String, timeoutMs: Int = 5000) throws -> JSONValue {
        try waitForStatus(of: id, timeoutMs: timeoutMs) { ["succeeded", "failed", "canceled", "aborted"].contains($0) }
    }

    /// Polls every 10 ms until prediction `id`'s status satisfies `wanted` or `timeoutMs` passes;
    /// the last state seen.
    func waitForStatus(of id: String, timeoutMs: Int = 5000, until wanted: (String) -> Bool) throws -> JSONValue {
        var json: JSONValue = .null
        try poll(within: Double(timeoutMs) / 1000, every: 0.01) {
            json = try get(id).json
            return wanted(json["status"]?.stringValue ?? "")
        }
        return json
    }

    /// POST /_standin/faults with a JSON object; expects 200.
    func setFaults(_ json: String) throws {
        let response = try request("POST", "/_standin/faults", headers: [], body: json)
        guard response.status == 200 else {
            throw RawHTTPConnection.Failure("faults answered \(response.status): \(response.text)")
        }
    }

    /// The call log's entries.
    func calls() throws -> [JSONValue] {
        try request("GET", "/_standin/calls", headers: []).json()["calls"]?.arrayValue ?? []
    }

    /// GET /_standin/stats.
    func stats() throws -> JSONValue {
        try request("GET", "/_standin/stats", headers: []).json()
    }
}

extension RawHTTPResponse {
    /// The body parsed as JSON by the stand-in's own parser (throws when it is not JSON).
    func json() throws -> JSONValue {
        try JSONValue.parse(body)
    }
}
