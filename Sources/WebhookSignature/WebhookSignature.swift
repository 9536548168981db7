import Hashing

/// Signing and verifying webhook requests the way Replicate does (the Standard Webhooks scheme).
///
/// A delivery carries three headers: `webhook-id` (unique per message, the same on every retry),
/// `webhook-timestamp` (Unix seconds when it was sent) and `webhook-signature`, a space-separated
/// list of `v1,<base64>` entries. The secret reads `whsec_<base64 of the key bytes>`. The signed
/// content is the exact bytes `<id>.<timestamp>.<raw body>` and each entry holds
/// base64(HMAC-SHA256(key, content)). A receiver accepts when any `v1` entry matches (several
/// appear while a secret is being rotated) and the timestamp is within a tolerance of its clock
/// (replay protection; it should also remember recent ids to drop duplicates).
///
/// ```swift
/// let verdict = WebhookSignature.verify(
///     secret: secret, id: headers["webhook-id"], timestamp: headers["webhook-timestamp"],
///     signatures: headers["webhook-signature"], body: rawBody, now: unixSecondsNow)
/// guard verdict == .valid else { return reject(401, verdict.message) }
/// ```
public enum WebhookSignature {
    /// The prefix every secret starts with.
    public static let secretPrefix = "whsec_"
    /// The only signature version this scheme defines; entries of other versions are ignored.
    public static let signatureVersion = "v1"

    /// The HMAC key in `secret` (`whsec_<base64>`), or nil when the prefix is missing, the rest is
    /// not strict base64, or it decodes to no bytes.
    public static func key(fromSecret secret: String) -> [UInt8]? {
        guard secret.hasPrefix(secretPrefix),
              let key = StandardBase64.decode(secret.dropFirst(secretPrefix.count)),
              !key.isEmpty else { return nil }
        return key
    }

    /// The `webhook-signature` header value (`v1,<base64>`) for one delivery, or nil when
    /// `secret` is not `whsec_<base64>`.
    ///
    /// - Parameters:
    ///   - id: the `webhook-id` header value.
    ///   - timestamp: the `webhook-timestamp` value, Unix seconds.
    ///   - body: the exact request body bytes that will be sent.
    public static func sign(secret: String, id: String, timestamp: Int64, body: [UInt8]) -> String? {
        guard let key = key(fromSecret: secret) else { return nil }
        return signatureVersion + "," + StandardBase64.encode(tag(key: key, id: id, timestamp: String(timestamp), body: body))
    }

    /// Checks one received delivery.
    ///
    /// Order of checks: the three headers are present and non-empty (`.missingHeader`), the
    /// timestamp is a plain decimal integer (`.malformedTimestamp`) no more than
    /// `toleranceSeconds` before or after `now` (`.timestampOutOfRange`), the secret is usable
    /// (`.badSecret`), and one `v1` entry equals the expected tag (`.mismatch` otherwise). Every
    /// `v1` entry is compared, each in constant time, so timing reveals nothing about how much of
    /// a forged signature was right.
    ///
    /// - Parameters:
    ///   - secret: the signing secret, `whsec_<base64>` (from `GET /v1/webhooks/default/secret`).
    ///   - id: the `webhook-id` header, nil when absent.
    ///   - timestamp: the `webhook-timestamp` header as received, nil when absent.
    ///   - signatures: the `webhook-signature` header, nil when absent.
    ///   - body: the raw request body, before any JSON parsing.
    ///   - now: the receiver's clock, Unix seconds.
    ///   - toleranceSeconds: how far the timestamp may be from `now` either way; default 300 (5 minutes).
    public static func verify(secret: String, id: String?, timestamp: String?, signatures: String?,
                              body: [UInt8], now: Int64, toleranceSeconds: Int64 = 300) -> WebhookSignature.Verdict {
        guard let id, !id.isEmpty else { return .missingHeader("webhook-id") }
        guard let timestamp, !timestamp.isEmpty else { return .missingHeader("webhook-timestamp") }
        guard let signatures, !signatures.isEmpty else { return .missingHeader("webhook-signature") }
        guard timestamp.utf8.count <= 18, timestamp.utf8.allSatisfy({ (48...57).contains($0) }),
              let seconds = Int64(timestamp) else { return .malformedTimestamp }
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, difference.magnitude <= toleranceSeconds.magnitude else { return .timestampOutOfRange }
        guard let key = key(fromSecret: secret) else { return .badSecret }
        let expected = tag(key: key, id: id, timestamp: timestamp, body: body)
        var matched = false
        for entry in signatures.split(separator: " ", omittingEmptySubsequences: true) {
            guard let comma = entry.firstIndex(of: ","), entry[..<comma] == signatureVersion,
                  let candidate = StandardBase64.decode(entry[entry.index(after: comma)...]) else { continue }
            if constantTimeEqual(candidate, expected) { matched = true }
        }
        return matched ? .valid : .mismatch
    }

    /// True when `a` and `b` hold the same bytes. The time taken depends only on the lengths
    /// (public: a tag is always 32 bytes), never on where the first difference is.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// HMAC-SHA256 under `key` of `<id>.<timestamp>.<body>`, fed piecewise (the body is not copied).
    private static func tag(key: [UInt8], id: String, timestamp: String, body: [UInt8]) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(Array(id.utf8))
        mac.update([UInt8(ascii: ".")])
        mac.update(Array(timestamp.utf8))
        mac.update([UInt8(ascii: ".")])
        mac.update(body)
        return mac.finalize()
    }
}
