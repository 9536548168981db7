import FunctionRuntime

/// A Replicate call that did not give a usable answer, classified for the retry policy.
public struct ReplicateFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 429: nothing happened; wait `retryAfterSeconds` when given.
        case rateLimited
        /// 5xx, or a 2xx that is not a prediction.
        case server
        /// No answer in time.
        case timeout
        /// Could not connect, or the connection broke.
        case network
        /// 400 or 422: the input is invalid.
        case invalidInput
        /// 401 or 403: the token is wrong.
        case unauthorized
        /// 404: unknown id (or its data is gone).
        case notFound
        /// Any other status.
        case other
    }

    public var kind: Kind
    public var message: String
    public var status: Int?
    /// From `Retry-After` (seconds, or an HTTP date as seconds from now when parseable).
    public var retryAfterSeconds: Double?

    public init(_ kind: Kind, _ message: String, status: Int? = nil, retryAfterSeconds: Double? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { message }

    static func fromStatus(_ status: Int, detail: String, retryAfter: String?) -> ReplicateFailure {
        let kind: Kind =
            switch status {
            case 429: .rateLimited
            case 400, 422: .invalidInput
            case 401, 403: .unauthorized
            case 404: .notFound
            case 500...599: .server
            default: .other
            }
        return ReplicateFailure(
            kind, detail, status: status, retryAfterSeconds: retryAfter.flatMap { Double($0.trimmedASCIIWhitespace) })
    }
}
