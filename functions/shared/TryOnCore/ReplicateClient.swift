import FunctionRuntime
import HTTPClient

/// Replicate's HTTP API through libcurl: create, get and cancel predictions, and download outputs.
/// One handle per worker process (connections stay alive between calls). Every failure comes back
/// as a `ReplicateFailure` the retry policy can classify.
public final class ReplicateClient {
    /// `REPLICATE_BASE_URL`, default `https://api.replicate.com`.
    public let baseURL: String
    private let token: String
    private let client: HTTPClient
    /// Connect timeout per call, milliseconds. Default 3000.
    public var connectTimeoutMilliseconds = 3000
    /// Whole-call timeout, milliseconds (bounded further by the caller's remaining time). Default 15000.
    public var callTimeoutMilliseconds = 15_000

    /// Whether outputs may be downloaded from public addresses only: true unless Replicate itself is
    /// on a private address (the stand-in, whose output files are on this machine). A name an
    /// output URL gives that resolves to an internal address is then refused at connect time.
    public let downloadsFromPublicAddressesOnly: Bool

    public init(baseURL: String, token: String) throws(ReplicateFailure) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        let authority = base.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
        downloadsFromPublicAddressesOnly = !PrivateNetworkHost.isPrivate(authority: authority)
        self.token = token
        do {
            client = try HTTPClient()
        } catch {
            throw ReplicateFailure(.network, "libcurl could not start: \(error.message)")
        }
    }

    /// `POST /v1/predictions` for a pinned model version. `cancelAfter` (e.g. "3m") caps what an
    /// orphaned prediction can cost. With `webhook`, Replicate POSTs the prediction there when it
    /// starts and when it completes (`webhook_events_filter: ["start", "completed"]`: no output or
    /// log events); the start event lets a prediction whose create answer was lost be adopted.
    public func create(
        version: String, input: JSONValue, cancelAfter: String?, webhook: String? = nil, budgetMilliseconds: Int
    ) throws(ReplicateFailure) -> Prediction {
        var body = JSONText(capacity: 640)
        body.add("version", version)
        body.add("input", input, sortedKeys: true)
        if let webhook {
            body.add("webhook", webhook)
            body.add("webhook_events_filter", raw: #"["start","completed"]"#)
        }
        var headers = [HTTPHeader(name: "Content-Type", value: "application/json")]
        if let cancelAfter { headers.append(HTTPHeader(name: "Cancel-After", value: cancelAfter)) }
        return try predictionCall("POST", "/v1/predictions", headers: headers, body: Array(body.finish().utf8), budget: budgetMilliseconds)
    }

    /// `GET /v1/predictions/{id}`.
    public func get(_ id: String, budgetMilliseconds: Int) throws(ReplicateFailure) -> Prediction {
        try predictionCall("GET", "/v1/predictions/\(QueryString.encode(id))", headers: [], body: [], budget: budgetMilliseconds)
    }

    /// `POST /v1/predictions/{id}/cancel`.
    public func cancel(_ id: String, budgetMilliseconds: Int) throws(ReplicateFailure) -> Prediction {
        try predictionCall("POST", "/v1/predictions/\(QueryString.encode(id))/cancel", headers: [], body: [], budget: budgetMilliseconds)
    }

    /// `GET /v1/webhooks/default/secret`: the account's webhook signing secret (`whsec_...`).
    public func webhookSecret(budgetMilliseconds: Int) throws(ReplicateFailure) -> String {
        let response = try send(
            HTTPClientRequest(
                method: "GET", url: baseURL + "/v1/webhooks/default/secret",
                headers: [HTTPHeader(name: "Authorization", value: "Bearer \(token)")],
                connectTimeoutMilliseconds: connectTimeoutMilliseconds,
                timeoutMilliseconds: max(500, min(callTimeoutMilliseconds, budgetMilliseconds)), maxResponseBytes: 65_536))
        guard (200..<300).contains(response.status) else {
            throw ReplicateFailure.fromStatus(
                response.status, detail: Self.problemDetail(response.body) ?? "the webhook secret answered \(response.status)",
                retryAfter: response.header("Retry-After"))
        }
        guard let key = (try? JSONValue.parse(response.body))?["key"]?.stringValue, key.hasPrefix("whsec_") else {
            throw ReplicateFailure(.server, "the webhook secret answer has no whsec_ key")
        }
        return key
    }

    /// Downloads an output file (at most `maxBytes`, default 20 MB): its bytes and content type.
    public func download(_ url: String, budgetMilliseconds: Int, maxBytes: Int = 20_000_000) throws(ReplicateFailure) -> (bytes: [UInt8], contentType: String?) {
        var request = HTTPClientRequest(
            method: "GET", url: url, connectTimeoutMilliseconds: connectTimeoutMilliseconds,
            timeoutMilliseconds: max(1000, min(budgetMilliseconds, 60_000)), maxResponseBytes: maxBytes)
        request.publicAddressesOnly = downloadsFromPublicAddressesOnly
        let response = try send(request)
        guard (200..<300).contains(response.status) else {
            throw ReplicateFailure.fromStatus(response.status, detail: "downloading the output answered \(response.status)", retryAfter: nil)
        }
        return (response.body, response.header("Content-Type"))
    }

    private func predictionCall(_ method: String, _ path: String, headers: [HTTPHeader], body: [UInt8], budget: Int) throws(ReplicateFailure) -> Prediction {
        let request = HTTPClientRequest(
            method: method, url: baseURL + path,
            headers: headers + [HTTPHeader(name: "Authorization", value: "Bearer \(token)")], body: body,
            connectTimeoutMilliseconds: min(connectTimeoutMilliseconds, max(budget, 200)),
            timeoutMilliseconds: max(500, min(callTimeoutMilliseconds, budget)), maxResponseBytes: 2_000_000)
        let response = try send(request)
        guard (200..<300).contains(response.status) else {
            throw ReplicateFailure.fromStatus(
                response.status, detail: Self.problemDetail(response.body) ?? "Replicate answered \(response.status)",
                retryAfter: response.header("Retry-After"))
        }
        guard let prediction = Prediction.decode(response.body) else {
            throw ReplicateFailure(.server, "Replicate answered \(response.status) without a prediction object")
        }
        return prediction
    }

    private func send(_ request: HTTPClientRequest) throws(ReplicateFailure) -> HTTPClientResponse {
        do {
            return try client.send(request)
        } catch {
            let kind: ReplicateFailure.Kind = error.code == .timedOut ? .timeout : .network
            throw ReplicateFailure(kind, "\(request.method) \(Self.pathOnly(request.url)): \(error.message)")
        }
    }

    /// RFC 7807 `detail` (or `title`) of an error body.
    static func problemDetail(_ body: [UInt8]) -> String? {
        guard let value = try? JSONValue.parse(body) else { return nil }
        return value["detail"]?.stringValue ?? value["title"]?.stringValue
    }

    /// A URL without its query (never log tokens or signed parameters).
    static func pathOnly(_ url: String) -> String {
        String(url.prefix { $0 != "?" })
    }
}
