#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns a handler's `Response` into what the client receives, enforcing the platform's contract:
/// `multiValueHeaders` wins over `headers`, response-header rules of the edge, base64 bodies decoded,
/// and every violation a 502 that says what is wrong. (The 3.5 MB limit is on the response's JSON,
/// which `FunctionInvoker` checks before mapping.)
public struct ResponseMapper: Sendable {
    public var options: EdgeOptions

    public init(options: EdgeOptions = .platform) {
        self.options = options
    }

    public func map(_ response: Response) throws(RuntimeError) -> HTTPResponseParts {
        guard (100...599).contains(response.statusCode) else {
            throw malformed("statusCode \(response.statusCode) is not an HTTP status (100-599)")
        }
        var lines: [(String, String)] = []
        lines.reserveCapacity(response.headers.count + response.multiValueHeaders.count)
        // Sorted by name bytes for a stable order (the dictionaries' order differs per process);
        // `multiValueHeaders` overrides a single header of the same name in any casing.
        let overridden = response.multiValueHeaders.isEmpty ? [] : Set(response.multiValueHeaders.keys.map(HeaderName.lowercased))
        for (name, value) in response.headers.sorted(by: { HeaderName.precedes($0.key, $1.key) })
        where overridden.isEmpty || !overridden.contains(HeaderName.lowercased(name)) {
            try append(name, value, to: &lines)
        }
        for (name, values) in response.multiValueHeaders.sorted(by: { HeaderName.precedes($0.key, $1.key) }) {
            for value in values { try append(name, value, to: &lines) }
        }

        let body: [UInt8]
        if response.isBase64Encoded {
            guard let data = Data(base64Encoded: response.body, options: .ignoreUnknownCharacters) else {
                throw malformed("isBase64Encoded is true but body is not valid base64")
            }
            body = Array(data)
        } else {
            body = Array(response.body.utf8)
        }
        return HTTPResponseParts(status: response.statusCode, headers: lines, body: body)
    }

    private func append(_ name: String, _ value: String, to lines: inout [(String, String)]) throws(RuntimeError) {
        guard HeaderName.isToken(name) else {
            throw malformed("header name \(JSONValue.string(name).encoded()) is not a valid HTTP header name")
        }
        var value = value
        guard !value.withUTF8({ $0.contains { $0 == 10 || $0 == 13 || $0 == 0 } }) else {
            throw malformed("header \(name) has a line break or NUL in its value")
        }
        switch Self.rule(for: name) {
        case .pass: lines.append((name, value))
        case .remove: return
        case .reject: throw malformed("header \(HeaderName.canonical(name)) is not allowed in a function response")
        case .remap: lines.append(("X-Yf-Remapped-" + HeaderName.canonical(name), value))
        case .setCookie:
            if options.rewriteAuthorizationAndCookies {
                lines.append(("Set-Cookie", options.dropCookieDomain ? Self.droppingDomain(value) : value))
            } else {
                lines.append((name, value))
            }
        }
    }

    /// What the edge does with a response header.
    enum HeaderRule: Sendable { case pass, remove, reject, remap, setCookie }

    /// The rule for `name` (any casing): one hash lookup of the lower-cased name (a `switch` over
    /// the names compared each literal in turn and cost several times more per header).
    static func rule(for name: String) -> HeaderRule {
        let lower = HeaderName.lowercased(name)
        return specialHeaders[lower] ?? (lower.hasPrefix("x-accel-") ? .remove : .pass)
    }

    /// The response headers the edge treats specially, by lower-case name.
    static let specialHeaders: [String: HeaderRule] = {
        var rules: [String: HeaderRule] = [:]
        // Removed by the edge. `status` and `content-length` are ours: the first would set nginx's
        // status line, the second is set by the transport from the real body.
        for name in ["host", "authorization", "user-agent", "connection", "max-forwards", "cookie", "status", "content-length"] {
            rules[name] = .remove
        }
        // Refused: the response becomes a 502.
        for name in ["proxy-authenticate", "transfer-encoding", "via"] { rules[name] = .reject }
        // Renamed with the prefix `X-Yf-Remapped-`.
        for name in ["content-md5", "date", "server", "www-authenticate"] { rules[name] = .remap }
        rules["x-set-cookie"] = .setCookie
        return rules
    }()

    private func malformed(_ reason: String) -> RuntimeError {
        RuntimeError(.malformedResponse, "Malformed serverless function response: \(reason)")
    }

    /// A `Set-Cookie` value without its `Domain=` attribute.
    static func droppingDomain(_ cookie: String) -> String {
        let parts = cookie.split(separator: ";", omittingEmptySubsequences: false)
        guard let nameAndValue = parts.first else { return cookie }
        let attributes = parts.dropFirst().filter { !$0.trimmedASCIIWhitespaceSubstring.lowercased().hasPrefix("domain=") }
        return ([nameAndValue] + attributes).joined(separator: ";")
    }
}

extension Substring {
    fileprivate var trimmedASCIIWhitespaceSubstring: String { String(self).trimmedASCIIWhitespace }
}
