/// One outgoing HTTP request: what to send, and the limits the transfer must respect.
///
/// A plain value: build it, tweak it, hand it to ``HTTPClient/send(_:)``. Nothing here touches
/// libcurl; ``validate()`` checks it before any option is set, so a bad request fails with
/// ``HTTPClientError/Code/invalidRequest`` instead of reaching the wire half-formed.
public struct HTTPClientRequest: Sendable {
    /// Default for ``connectTimeoutMilliseconds``: 3 s, enough for a slow DNS answer plus a
    /// TCP (and TLS) handshake, short enough that an unreachable host fails fast.
    public static let defaultConnectTimeoutMilliseconds = 3_000
    /// Default for ``timeoutMilliseconds``: 30 s for the whole transfer.
    public static let defaultTimeoutMilliseconds = 30_000
    /// Default for ``maxResponseBytes``: 16 MiB of response body.
    public static let defaultMaxResponseBytes = 16 * 1024 * 1024

    /// The request method, e.g. `GET`, `POST`, `PUT`, `DELETE`, `HEAD`, `PATCH` or any other
    /// RFC 9110 token (`PURGE`, `PROPFIND`). Case-sensitive, sent exactly as given.
    /// `HEAD` must have an empty ``body``; the response to it never has one.
    public var method: String

    /// Absolute `http://` or `https://` URL, e.g. `http://127.0.0.1:8080/path?q=1`. Other
    /// schemes (`file:`, `ftp:` ...) are refused by libcurl and reported as `.invalidRequest`.
    public var url: String

    /// Request headers, sent in this order after libcurl's own (`Host`, `Accept: */*`,
    /// `Content-Length`). A header named like one of those replaces libcurl's. An empty
    /// value is sent as an empty header (not as "remove this header"). Names must be RFC 9110
    /// tokens; values must not contain CR, LF or NUL (header injection).
    public var headers: [HTTPHeader]

    /// Request body bytes. Sent, with `Content-Length`, for any method when non-empty.
    /// `POST`, `PUT` and `PATCH` always send `Content-Length` (0 when empty).
    public var body: [UInt8]

    /// Milliseconds allowed for name resolution plus connecting (TCP and TLS). Default 3_000.
    /// Must be > 0. Expiry yields `.timedOut`.
    public var connectTimeoutMilliseconds: Int

    /// Milliseconds allowed for the whole transfer, connect included. Default 30_000.
    /// Must be > 0. Expiry yields `.timedOut`. Derive it from the caller's own remaining budget
    /// so it fires before any outer deadline (the function's, nginx's `fastcgi_read_timeout`).
    public var timeoutMilliseconds: Int

    /// Largest response body accepted, in bytes. Default 16 MiB. Must be >= 0. A bigger body
    /// aborts the transfer with `.responseTooLarge`: at once if the server announces its size,
    /// else as soon as the received bytes pass the limit (never buffered beyond it).
    public var maxResponseBytes: Int

    /// Connect only to public addresses: a peer whose address (after name resolution, whatever the
    /// URL's text) is loopback, private, link-local or otherwise internal (``NetworkAddress``) is
    /// refused at connect time with `.couldNotConnect`. Such a request always opens a new connection
    /// (a kept-alive one was not checked). Default false.
    public var publicAddressesOnly = false

    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: [UInt8] = [],
        connectTimeoutMilliseconds: Int = HTTPClientRequest.defaultConnectTimeoutMilliseconds,
        timeoutMilliseconds: Int = HTTPClientRequest.defaultTimeoutMilliseconds,
        maxResponseBytes: Int = HTTPClientRequest.defaultMaxResponseBytes
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
    }

    /// Convenience: a request whose body is the UTF-8 bytes of `body`.
    public init(method: String, url: String, headers: [HTTPHeader] = [], body: String) {
        self.init(method: method, url: url, headers: headers, body: Array(body.utf8))
    }
}

extension HTTPClientRequest {
    /// Checks every field that libcurl would otherwise accept silently or misinterpret.
    ///
    /// - Throws: ``HTTPClientError`` with code `.invalidRequest` naming the first bad field.
    public func validate() throws(HTTPClientError) {
        guard !method.isEmpty, method.utf8.allSatisfy(HTTPClientRequest.isTokenByte) else {
            throw .invalidRequest("method \(String(reflecting: method)) is not an HTTP token")
        }
        guard !url.isEmpty, !url.utf8.contains(0) else {
            throw .invalidRequest("url is empty or contains a NUL byte")
        }
        if method == "HEAD" && !body.isEmpty {
            throw .invalidRequest("a HEAD request cannot carry a body")
        }
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(HTTPClientRequest.isTokenByte) else {
                throw .invalidRequest("header name \(String(reflecting: header.name)) is not an HTTP token")
            }
            guard !header.value.utf8.contains(where: { $0 == 0 || $0 == 10 || $0 == 13 }) else {
                throw .invalidRequest("value of header \(header.name) contains CR, LF or NUL")
            }
        }
        guard connectTimeoutMilliseconds > 0 else {
            throw .invalidRequest("connectTimeoutMilliseconds must be > 0, got \(connectTimeoutMilliseconds)")
        }
        guard timeoutMilliseconds > 0 else {
            throw .invalidRequest("timeoutMilliseconds must be > 0, got \(timeoutMilliseconds)")
        }
        guard maxResponseBytes >= 0 else {
            throw .invalidRequest("maxResponseBytes must be >= 0, got \(maxResponseBytes)")
        }
    }

    /// True for methods whose request always carries `Content-Length`, even when 0.
    var alwaysSendsBody: Bool {
        method == "POST" || method == "PUT" || method == "PATCH"
    }

    /// RFC 9110 `tchar`: the bytes allowed in a method or a header field name.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
