/// The final HTTP response to one request, fully buffered.
///
/// "Final" matters: redirects are never followed (a 302 comes back as a 302 with its
/// `Location`), and interim 1xx responses (`100 Continue`, `103 Early Hints`) are skipped, so
/// ``status`` and ``headers`` always describe the one response that carried the body.
/// Any status, including 4xx and 5xx, is a successful ``HTTPClient/send(_:)``: errors are
/// reserved for transfers that did not produce a complete response.
public struct HTTPClientResponse: Sendable {
    /// The status code of the final response, e.g. 200, 302, 404.
    public var status: Int

    /// Header fields of the final response in arrival order, repeated names kept
    /// (two `Set-Cookie` lines give two entries). Values are trimmed; the status line and the
    /// blank line ending the block are not included. Trailers of a chunked body, if any, follow.
    public var headers: [HTTPHeader]

    /// The response body as received on the wire (no content decoding is requested or done).
    /// Empty for `HEAD` and for statuses without a body (204, 304).
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the last header called `name`, compared ASCII case-insensitively, or nil.
    ///
    /// Use ``headers`` directly to see every value of a repeated header.
    public func header(_ name: String) -> String? {
        headers.lastValue(for: name)
    }

    /// Every value of the headers called `name` (ASCII case-insensitive), in arrival order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.hasName(name) }.map(\.value)
    }

    /// The body decoded as UTF-8, invalid sequences replaced by U+FFFD.
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }
}
