import FunctionRuntime
import Postgres

/// Every error the try-on functions answer with, and the one place where its code becomes an HTTP
/// status and a JSON body `{"error": "..."}` (plus `code`).
public struct TryOnError: Error, ResponseConvertibleError, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The request is malformed: 400.
        case invalidRequest = "invalid_request"
        /// `X-User-Id` (or the worker token) is missing or wrong: 401.
        case unauthorized
        /// No such task for this user: 404.
        case notFound = "not_found"
        /// The method is not served here: 405.
        case methodNotAllowed = "method_not_allowed"
        /// An `Idempotency-Key` reused with a different body: 422.
        case idempotencyConflict = "idempotency_conflict"
        /// The request body is too large: 413.
        case payloadTooLarge = "payload_too_large"
        /// The database cannot be reached: 503 (clients retry; the function recovers by itself).
        case databaseUnavailable = "database_unavailable"
        /// Replicate cannot be reached for something this request needs (the webhook secret): 503.
        case upstreamUnavailable = "replicate_unavailable"
        /// Anything else: 500.
        case `internal`
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?
    /// Headers every response of the function carries (CORS).
    public var headers: [String: String]

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil, headers: [String: String] = CORS.headers) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.headers = headers
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The same error answered with a function's own headers (its CORS methods).
    public func with(headers: [String: String]) -> TryOnError {
        var copy = self
        copy.headers = headers
        return copy
    }

    /// The one mapping from code to HTTP status.
    public var status: Int {
        switch code {
        case .invalidRequest: 400
        case .unauthorized: 401
        case .notFound: 404
        case .methodNotAllowed: 405
        case .payloadTooLarge: 413
        case .idempotencyConflict: 422
        case .databaseUnavailable, .upstreamUnavailable: 503
        case .internal: 500
        }
    }

    public var response: Response {
        var body = JSONText(capacity: 96)
        body.add("error", message)
        body.add("code", code.rawValue)
        var responseHeaders = headers
        if code == .databaseUnavailable { responseHeaders["Retry-After"] = "2" }
        if code == .methodNotAllowed { responseHeaders["Allow"] = headers["Access-Control-Allow-Methods"] ?? "" }
        return .json(status, body.finish(), headers: responseHeaders)
    }

    /// A database failure: 503 when the server cannot be reached (the connection is re-made on the
    /// next invocation), 500 otherwise. Never carries the connection string.
    public static func database(_ error: PostgresError) -> TryOnError {
        error.isConnectionProblem
            ? TryOnError(.databaseUnavailable, "The database is unavailable; try again shortly", underlying: error)
            : TryOnError(.internal, "Database error", underlying: error)
    }
}
