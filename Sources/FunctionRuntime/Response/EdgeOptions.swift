/// What the platform's edge does to requests and responses on their way through. Every switch
/// defaults to what poehali.dev does (see `docs/edge.md` for what is documented and what is inferred).
public struct EdgeOptions: Sendable, Equatable {
    /// poehali.dev's rewrites (inferred from exported code): request `Authorization` arrives as
    /// `X-Authorization`, `Cookie` as `X-Cookie`, and a response's `X-Set-Cookie` leaves as
    /// `Set-Cookie`. Default on; off passes `Authorization` and `Cookie` through untouched and sends
    /// `X-Set-Cookie` as it is.
    public var rewriteAuthorizationAndCookies: Bool
    /// Adds the headers Yandex Cloud Functions adds (`X-Request-Id`, `X-Trace-Id`,
    /// `X-Forwarded-For`, `X-Real-Remote-Address`, `X-Real-Ip`). Default on.
    public var addGatewayHeaders: Bool
    /// Drops the `Domain=` attribute of cookies set through `X-Set-Cookie`, so that browsers keep
    /// cookies that functions scope to `.poehali.dev` when the page is served from localhost.
    /// Default off (the platform keeps it).
    public var dropCookieDomain: Bool
    /// The largest event, in bytes, the platform accepts (3.5 MB: 3_670_016). Larger gets 413.
    public var maxEventBytes: Int
    /// The largest response, in bytes of the JSON object the handler returns (3.5 MB; a base64 body
    /// counts as its base64 text). Larger gets 502.
    public var maxResponseBytes: Int

    public init(
        rewriteAuthorizationAndCookies: Bool = true, addGatewayHeaders: Bool = true, dropCookieDomain: Bool = false,
        maxEventBytes: Int = 3_670_016, maxResponseBytes: Int = 3_670_016
    ) {
        self.rewriteAuthorizationAndCookies = rewriteAuthorizationAndCookies
        self.addGatewayHeaders = addGatewayHeaders
        self.dropCookieDomain = dropCookieDomain
        self.maxEventBytes = maxEventBytes
        self.maxResponseBytes = maxResponseBytes
    }

    public static let platform = EdgeOptions()
}
