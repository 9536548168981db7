import HTTPClient

/// One sender thread's HTTP client for webhook deliveries.
///
/// Owns a libcurl handle (``HTTPClient`` is not thread-safe), so each sender thread makes its own
/// and never hands it on; connections to a receiver stay alive between deliveries. The handle is
/// made on first use, and made again after a failure to create it.
final class WebhookPoster {
    /// Milliseconds allowed to connect to a receiver: 1 s (loopback or LAN receivers answer at once;
    /// a dead one should fail fast and be retried).
    static let connectTimeoutMilliseconds = 1_000
    /// Milliseconds allowed for a whole delivery, connect included: 10 s, then it counts as failed.
    static let timeoutMilliseconds = 10_000
    /// Largest receiver answer read, in bytes (64 KiB); a bigger one fails the attempt.
    static let maxResponseBytes = 64 * 1024

    /// The outcome of one POST: the receiver's status, or why there was none.
    enum Outcome {
        case answered(status: Int)
        case failed(String)
    }

    private var client: HTTPClient?

    /// POSTs `body` to `url` with `headers`; never throws.
    func post(url: String, headers: [HTTPHeader], body: [UInt8]) -> Outcome {
        do {
            let client = try self.client ?? HTTPClient()
            self.client = client
            let response = try client.send(HTTPClientRequest(
                method: "POST", url: url, headers: headers, body: body,
                connectTimeoutMilliseconds: Self.connectTimeoutMilliseconds,
                timeoutMilliseconds: Self.timeoutMilliseconds, maxResponseBytes: Self.maxResponseBytes))
            return .answered(status: response.status)
        } catch {
            return .failed(String(describing: error))
        }
    }
}
