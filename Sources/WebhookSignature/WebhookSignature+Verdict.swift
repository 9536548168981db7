extension WebhookSignature {
    /// The outcome of ``WebhookSignature/verify(secret:id:timestamp:signatures:body:now:toleranceSeconds:)``.
    ///
    /// Only `.valid` means the delivery may be trusted. `.badSecret` is the receiver's own
    /// configuration error (every delivery will fail); the others are the request's fault and
    /// usually answered 400 or 401.
    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        /// Some `v1` entry matched and the timestamp is within tolerance.
        case valid
        /// The named header (`webhook-id`, `webhook-timestamp` or `webhook-signature`) is absent or empty.
        case missingHeader(String)
        /// `webhook-timestamp` is not a plain decimal number of seconds.
        case malformedTimestamp
        /// `webhook-timestamp` is older or newer than the tolerance allows (a replay, or a wrong clock).
        case timestampOutOfRange
        /// The configured secret is not `whsec_<base64>` (or holds no key bytes).
        case badSecret
        /// No `v1` entry matches: wrong secret, altered body, id or timestamp, or a forgery.
        case mismatch

        /// A short sentence for logs and error bodies. It never contains the secret, the
        /// expected signature or the body.
        public var message: String {
            switch self {
            case .valid: "The webhook signature is valid."
            case let .missingHeader(name): "The \(name) header is missing."
            case .malformedTimestamp: "The webhook-timestamp header is not a number of seconds."
            case .timestampOutOfRange: "The webhook-timestamp is too far from the current time."
            case .badSecret: "The webhook secret is not of the form whsec_<base64>."
            case .mismatch: "No webhook signature matches the request."
            }
        }

        public var description: String { message }
    }
}
