import FunctionRuntime
import HTTPClient

/// A request to `base` + `path` with a fresh client (usable from any thread).
public func sendRequest(
    _ base: String, _ method: String = "GET", _ path: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
    timeoutMilliseconds: Int = 15_000
) throws -> HTTPClientResponse {
    try HTTPClient().send(
        HTTPClientRequest(
            method: method, url: base + path, headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds))
}

/// A GET to `base` + `path`.
public func sendRequest(_ base: String, _ path: String, timeoutMilliseconds: Int = 15_000) throws -> HTTPClientResponse {
    try sendRequest(base, "GET", path, timeoutMilliseconds: timeoutMilliseconds)
}

extension HTTPClientResponse {
    /// The body parsed as JSON, nil when it is not.
    public var json: JSONValue? { try? JSONValue.parse(body) }

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
