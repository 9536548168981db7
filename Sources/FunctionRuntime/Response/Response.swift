#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a handler returns: the platform's response object (its mapping rules are in `docs/edge.md`).
public struct Response: Sendable, Equatable {
    /// HTTP status, 100-599. Default 200.
    public var statusCode: Int
    /// Single-value headers.
    public var headers: [String: String]
    /// Multi-value headers; a name present here (in any casing) overrides the same name in `headers`.
    public var multiValueHeaders: [String: [String]]
    /// The body text, or base64 when `isBase64Encoded` (decoded by the host before sending).
    public var body: String
    public var isBase64Encoded: Bool

    public init(
        statusCode: Int = 200, headers: [String: String] = [:], multiValueHeaders: [String: [String]] = [:],
        body: String = "", isBase64Encoded: Bool = false
    ) {
        self.statusCode = statusCode
        self.headers = headers
        self.multiValueHeaders = multiValueHeaders
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    /// A JSON response: `Content-Type: application/json` plus `headers`, body already encoded.
    public static func json(_ statusCode: Int = 200, _ jsonText: String, headers: [String: String] = [:]) -> Response {
        var merged = headers
        merged["Content-Type"] = "application/json"
        return Response(statusCode: statusCode, headers: merged, body: jsonText)
    }

    /// A JSON response from a `JSONValue`.
    public static func json(_ statusCode: Int = 200, _ value: JSONValue, headers: [String: String] = [:]) -> Response {
        json(statusCode, value.encoded(), headers: headers)
    }

    /// The length in bytes of this response as the compact JSON object a handler returns: what the
    /// platform's 3.5 MB response limit counts (a base64 body counts as its base64 text).
    public var encodedLength: Int {
        var length = 64 + EventBuilder.jsonStringLength(Array(body.utf8))
        for (name, value) in headers { length += name.utf8.count + value.utf8.count + 6 }
        for (name, values) in multiValueHeaders {
            length += name.utf8.count + 5
            for value in values { length += value.utf8.count + 3 }
        }
        return length
    }

    /// A binary response, sent base64 through the platform contract.
    public static func binary(_ statusCode: Int = 200, _ bytes: [UInt8], contentType: String) -> Response {
        Response(
            statusCode: statusCode, headers: ["Content-Type": contentType],
            body: Data(bytes).base64EncodedString(), isBase64Encoded: true)
    }
}

/// An error that carries the response it should produce (a 400 for bad input, say), instead of the
/// platform's 502 for a thrown error. Handlers may throw these; the host sends `response` as if the
/// handler had returned it.
public protocol ResponseConvertibleError: Error {
    var response: Response { get }
}

/// A response as it goes on the wire: status, header lines in order, raw body bytes.
public struct HTTPResponseParts: Sendable, Equatable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func == (left: HTTPResponseParts, right: HTTPResponseParts) -> Bool {
        left.status == right.status && left.body == right.body && left.headers.count == right.headers.count
            && zip(left.headers, right.headers).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// The last value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.last { HeaderName.equal($0.0, name) }?.1
    }
}
