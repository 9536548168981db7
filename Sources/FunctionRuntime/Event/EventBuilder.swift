#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns an `IncomingRequest` into the `Event` the platform would deliver, applying its edge rules:
/// header stripping and rewrites, gateway headers, canonical casing, query maps and body encoding
/// (`docs/edge.md`).
public struct EventBuilder: Sendable {
    public var options: EdgeOptions

    public init(options: EdgeOptions = .platform) {
        self.options = options
    }

    /// Builds the event, or throws `.payloadTooLarge` when it would exceed `options.maxEventBytes`.
    public func build(_ request: IncomingRequest, traceId: String = TraceID.make()) throws(RuntimeError) -> Event {
        let headerList = edgeHeaders(for: request, traceId: traceId)
        var headers: [String: String] = [:]
        var multiValueHeaders: [String: [String]] = [:]
        headers.reserveCapacity(headerList.count)
        multiValueHeaders.reserveCapacity(headerList.count)
        var headerBytes = 0
        for (name, value) in headerList {
            headers[name] = value
            multiValueHeaders[name, default: []].append(value)
            headerBytes += 2 * (name.utf8.count + value.utf8.count) + 16
        }

        var query: [String: String] = [:]
        var multiValueQuery: [String: [String]] = [:]
        for (name, value) in QueryString.parse(request.query) {
            query[name] = value
            multiValueQuery[name, default: []].append(value)
        }

        // A JSON body goes in as text only when it is UTF-8 (RFC 8259 requires it); any other bytes
        // go base64 like every non-JSON body, so the function sees them unchanged instead of with
        // U+FFFD where the invalid bytes were (which could turn a malformed body into a valid one).
        let jsonText = Self.isJSONMediaType(request.header("Content-Type")) ? String(validating: request.body, as: UTF8.self) : nil
        let isJSON = jsonText != nil
        let encodedBodyBytes = isJSON ? Self.jsonStringLength(request.body) : (request.body.count + 2) / 3 * 4
        let estimate = encodedBodyBytes + headerBytes + 2 * request.query.utf8.count + 640
        guard estimate <= options.maxEventBytes else {
            throw RuntimeError(
                .payloadTooLarge,
                "The request event is about \(estimate) bytes; the limit is \(options.maxEventBytes) bytes (3.5 MB)")
        }
        let body: String
        if request.body.isEmpty {
            body = ""
        } else if let jsonText {
            body = jsonText
        } else {
            body = Data(request.body).base64EncodedString()
        }

        let epochSeconds = Int(request.receivedAtMilliseconds / 1000)
        let context = RequestContext(
            identity: .init(sourceIp: request.remoteAddress, userAgent: headers["User-Agent"] ?? ""),
            httpMethod: request.method,
            requestId: request.requestId,
            requestTime: RequestTime.commonLogFormat(epochSeconds: epochSeconds),
            requestTimeEpoch: epochSeconds)
        return Event(
            httpMethod: request.method, headers: headers, multiValueHeaders: multiValueHeaders,
            queryStringParameters: query, multiValueQueryStringParameters: multiValueQuery,
            requestContext: context, body: body, isBase64Encoded: !isJSON)
    }

    /// The header list after the edge: canonical names, stripped and rewritten, gateway headers added.
    func edgeHeaders(for request: IncomingRequest, traceId: String) -> [(String, String)] {
        let rewrite = options.rewriteAuthorizationAndCookies
        let clientSentXAuthorization = rewrite && request.header("X-Authorization") != nil
        let clientSentXCookie = rewrite && request.header("X-Cookie") != nil
        var result: [(String, String)] = []
        result.reserveCapacity(request.headers.count + 6)
        var forwardedFor: String?
        var sawContentLength = false
        for (rawName, value) in request.headers {
            let lower = HeaderName.lowercased(rawName)
            switch lower {
            // Removed by Yandex Cloud Functions' edge.
            case "expect", "te", "trailer", "upgrade", "proxy-authenticate", "connection", "content-md5",
                "max-forwards", "server", "transfer-encoding", "www-authenticate":
                continue
            case "authorization":
                if rewrite {
                    if !clientSentXAuthorization { result.append(("X-Authorization", value)) }
                    continue
                }
            case "cookie":
                if rewrite {
                    if !clientSentXCookie { result.append(("X-Cookie", value)) }
                    continue
                }
            case "x-forwarded-for" where options.addGatewayHeaders:
                forwardedFor = forwardedFor.map { "\($0), \(value)" } ?? value
                continue
            case "x-request-id", "x-trace-id", "x-real-remote-address", "x-real-ip":
                if options.addGatewayHeaders { continue }
            case "content-length":
                sawContentLength = true
            default:
                break
            }
            result.append((HeaderName.canonical(rawName), value))
        }
        if !sawContentLength, !request.body.isEmpty {
            result.append(("Content-Length", String(request.body.count)))
        }
        if options.addGatewayHeaders {
            let ip = request.remoteAddress
            result.append(("X-Forwarded-For", forwardedFor.map { "\($0), \(ip)" } ?? ip))
            result.append(("X-Real-Ip", ip))
            result.append(("X-Real-Remote-Address", "[\(ip)]:\(request.remotePort)"))
            result.append(("X-Request-Id", request.requestId))
            result.append(("X-Trace-Id", traceId))
        }
        return result
    }

    /// The length of `bytes` once written as a JSON string inside the event: quotes and backslashes
    /// double, control characters take six bytes.
    static func jsonStringLength(_ bytes: [UInt8]) -> Int {
        var length = bytes.count
        for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            length += byte < 0x20 ? 5 : 1
        }
        return length
    }

    /// True for `application/json` in any case, with or without parameters such as `; charset=utf-8`.
    public static func isJSONMediaType(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        return HeaderName.lowercased(String(decoding: mediaType, as: UTF8.self).trimmedASCIIWhitespace) == "application/json"
    }
}
