import FunctionRuntime
import TryOnCore

/// The webhook signing secret, fetched once per process from `GET /v1/webhooks/default/secret`
/// (or given as `REPLICATE_WEBHOOK_SECRET`) and kept. A signature that does not match may mean the
/// secret was rotated: the caller may fetch it again, at most once per ``refreshIntervalSeconds``,
/// so forged deliveries cannot make this function call Replicate for each of them.
struct WebhookSecret {
    /// Shortest time between two fetches, seconds. 60.
    static let refreshIntervalSeconds: UInt64 = 60

    private let given: String?
    private var fetched: String?
    private var fetchedAtNanoseconds: UInt64 = 0

    init(given: String?) {
        self.given = given
    }

    /// The secret, fetched on first use.
    mutating func current(_ replicate: ReplicateClient) throws(ReplicateFailure) -> String {
        if let given { return given }
        if let fetched { return fetched }
        return try fetch(replicate)
    }

    /// Whether a mismatch may be answered by fetching the secret again now.
    func mayRefresh() -> Bool {
        given == nil && Clock.monotonicNanoseconds() - fetchedAtNanoseconds >= Self.refreshIntervalSeconds * 1_000_000_000
    }

    /// Fetches the secret again.
    mutating func fetch(_ replicate: ReplicateClient) throws(ReplicateFailure) -> String {
        let secret = try replicate.webhookSecret(budgetMilliseconds: 5000)
        fetched = secret
        fetchedAtNanoseconds = Clock.monotonicNanoseconds()
        return secret
    }
}
