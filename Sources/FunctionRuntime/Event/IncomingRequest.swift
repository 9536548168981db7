/// An HTTP request as it reaches the host, before the platform's edge rules turn it into an `Event`.
/// Transport-neutral: the FastCGI worker, `fnhost test` (in-process) and `fnhost generate-event`
/// all fill one in.
public struct IncomingRequest: Sendable {
    /// Upper-case method.
    public var method: String
    /// The raw query string, without `?`; empty when there is none.
    public var query: String
    /// Request headers in arrival order, names in any casing, repeated names kept.
    public var headers: [(name: String, value: String)]
    /// The raw body bytes.
    public var body: [UInt8]
    /// The client's address and port as the web server saw them.
    public var remoteAddress: String
    public var remotePort: Int
    /// When the request arrived, in milliseconds since the Unix epoch.
    public var receivedAtMilliseconds: Int64
    /// The request's id (a UUID): nginx makes one per request; `X-Request-Id` carries it.
    public var requestId: String

    public init(
        method: String, query: String = "", headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        remoteAddress: String = "127.0.0.1", remotePort: Int = 0, receivedAtMilliseconds: Int64,
        requestId: String = RequestID.make()
    ) {
        self.method = method.uppercased()
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.receivedAtMilliseconds = receivedAtMilliseconds
        self.requestId = requestId
    }

    /// The last value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.last { HeaderName.equal($0.name, name) }?.value
    }
}
