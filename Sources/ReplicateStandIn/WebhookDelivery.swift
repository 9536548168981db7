import HTTPClient
import WebhookSignature

/// One webhook message on its way to a receiver: what is sent, and how the fault switches bent it.
///
/// Made when a prediction event falls due (see ``ReplicateStandInService/fireWebhookEvent(id:event:offsetMs:)``);
/// the body is fixed then, as the prediction looked at that moment, and every attempt sends the
/// same body under the same `webhook-id`, with a fresh `webhook-timestamp` and signature.
struct WebhookDelivery: Sendable {
    /// The `User-Agent` every delivery carries.
    static let userAgent = "replicate-standin"
    /// Longest retry delay, milliseconds (10 minutes), however many attempts are configured.
    static let maxRetryDelayMilliseconds = 600_000

    var predictionID: String
    var event: WebhookSubscription.Event
    var url: String
    /// The prediction JSON, exactly the bytes that are signed and sent.
    var body: [UInt8]
    /// `msg_` + 27 random letters and digits; shared by retries and by a duplicate.
    var webhookID: String
    /// The secret the signature is made with: the stand-in's own, or a throwaway one when forged.
    var signingSecret: String
    /// Signed with a wrong secret (`webhookForge`).
    var forged = false
    /// This is the second copy of a duplicated delivery.
    var duplicate = false
    /// After the first attempt, send a second copy (`webhookDuplicate`).
    var duplicateFollows = false
    /// Milliseconds the first attempt was held back (`webhookDelayMs`).
    var delayMs = 0

    /// The request headers for an attempt sent at `timestamp` (Unix seconds); nil only when the
    /// secret is malformed, which the server refuses at start.
    func headers(timestamp: Int64) -> [HTTPHeader]? {
        guard let signature = WebhookSignature.sign(secret: signingSecret, id: webhookID, timestamp: timestamp, body: body)
        else { return nil }
        return [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "User-Agent", value: Self.userAgent),
            HTTPHeader(name: "webhook-id", value: webhookID),
            HTTPHeader(name: "webhook-timestamp", value: String(timestamp)),
            HTTPHeader(name: "webhook-signature", value: signature),
        ]
    }

    /// Milliseconds to wait after failed attempt `attempt` (1-based) before the next:
    /// `base · 2^(attempt−1)`, capped at ``maxRetryDelayMilliseconds``.
    static func retryDelayMilliseconds(afterAttempt attempt: Int, base: Int) -> Int {
        let shift = min(max(attempt - 1, 0), 30)
        let (delay, overflow) = max(0, base).multipliedReportingOverflow(by: 1 << shift)
        return overflow ? maxRetryDelayMilliseconds : min(delay, maxRetryDelayMilliseconds)
    }

    /// A fresh `webhook-id`: `msg_` and 27 random letters and digits.
    static func newWebhookID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "msg_" + String((0..<27).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// A fresh secret: `whsec_` and the base64 of 32 random bytes.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return WebhookSignature.secretPrefix + StandardBase64.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
