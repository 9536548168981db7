#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The first argument of a handler: an HTTP request as Yandex Cloud Functions (and so poehali.dev)
/// delivers it. Field names and types are the platform's, so an event file captured there decodes
/// here and the other way round (the rules are in `docs/edge.md`).
///
/// Maps are never nil: a request with no query has `queryStringParameters == [:]`, which encodes as
/// `{}`, because handlers written for the platform read them without a null check.
public struct Event: Sendable, Equatable {
    /// The method as received, upper case (`"GET"`, `"POST"`, `"OPTIONS"`, ...).
    public var httpMethod: String
    /// Header names in canonical casing (`X-User-Id`); a repeated header keeps its last value.
    public var headers: [String: String]
    /// The same names as `headers`, each with every value in arrival order.
    public var multiValueHeaders: [String: [String]]
    /// Query parameters, percent-decoded; a repeated name keeps its last value, a bare `?flag` is `""`.
    public var queryStringParameters: [String: String]
    /// Every value of every query parameter, in order.
    public var multiValueQueryStringParameters: [String: [String]]
    public var requestContext: RequestContext
    /// The body as received for `application/json`, base64 of the raw bytes otherwise, `""` when empty.
    public var body: String
    /// True when `body` holds base64 (every media type but `application/json`).
    public var isBase64Encoded: Bool
    /// Always `""` for HTTP calls (present in the platform's own dumps).
    public var url: String
    /// Always `""` for HTTP calls.
    public var path: String
    /// Always `{}` for HTTP calls.
    public var params: [String: String]
    /// Always `{}` for HTTP calls.
    public var multiValueParams: [String: [String]]
    /// Always `{}` for HTTP calls.
    public var pathParams: [String: String]
    /// For a trigger invocation (a timer), the trigger's messages, and the event is only these
    /// (`{"messages": [...]}`, as the platform sends it); nil for HTTP calls.
    public var messages: [TriggerMessage]?

    public init(
        httpMethod: String,
        headers: [String: String] = [:],
        multiValueHeaders: [String: [String]] = [:],
        queryStringParameters: [String: String] = [:],
        multiValueQueryStringParameters: [String: [String]] = [:],
        requestContext: RequestContext,
        body: String = "",
        isBase64Encoded: Bool = false
    ) {
        self.httpMethod = httpMethod
        self.headers = headers
        self.multiValueHeaders = multiValueHeaders
        self.queryStringParameters = queryStringParameters
        self.multiValueQueryStringParameters = multiValueQueryStringParameters
        self.requestContext = requestContext
        self.body = body
        self.isBase64Encoded = isBase64Encoded
        self.url = ""
        self.path = ""
        self.params = [:]
        self.multiValueParams = [:]
        self.pathParams = [:]
        self.messages = nil
    }

    /// A header's value by name in any casing (handlers on the platform probe several spellings).
    public func header(_ name: String) -> String? {
        if let value = headers[name] { return value }
        let canonical = HeaderName.canonical(name)
        if let value = headers[canonical] { return value }
        return headers.first { HeaderName.equal($0.key, canonical) }?.value
    }

    /// The body's raw bytes: base64-decoded when `isBase64Encoded`, the UTF-8 text otherwise.
    /// Nil when the flag is set but the text is not valid base64.
    public var bodyBytes: [UInt8]? {
        guard isBase64Encoded else { return Array(body.utf8) }
        guard let data = Data(base64Encoded: body) else { return nil }
        return Array(data)
    }
}

/// `event.requestContext`: who called and when.
public struct RequestContext: Codable, Sendable, Equatable {
    public var identity: Identity
    /// Same as the event's `httpMethod`.
    public var httpMethod: String
    /// A UUID, equal to the `X-Request-Id` header and to `Context.requestId`.
    public var requestId: String
    /// Common Log Format in UTC: `01/Jan/2025:12:00:00 +0000`.
    public var requestTime: String
    /// Unix time in whole seconds.
    public var requestTimeEpoch: Int

    public struct Identity: Codable, Sendable, Equatable {
        /// The client's IP address.
        public var sourceIp: String
        /// The `User-Agent` header, or `""`.
        public var userAgent: String

        public init(sourceIp: String, userAgent: String) {
            self.sourceIp = sourceIp
            self.userAgent = userAgent
        }
    }

    public init(identity: Identity, httpMethod: String, requestId: String, requestTime: String, requestTimeEpoch: Int) {
        self.identity = identity
        self.httpMethod = httpMethod
        self.requestId = requestId
        self.requestTime = requestTime
        self.requestTimeEpoch = requestTimeEpoch
    }
}
