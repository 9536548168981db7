import FunctionRuntime

/// One HTTP response: status, extra headers and a body, serialized with `Content-Type` and
/// `Content-Length` always present (every stand-in answer carries both, errors included).
struct HTTPResponse: Sendable {
    var status: Int
    /// Defaults to JSON; problem responses use `application/problem+json`.
    var contentType: String
    /// Headers besides `Content-Type`, `Content-Length`, `Connection` and `Date`, e.g. `Retry-After`.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(status: Int, contentType: String = "application/json", headers: [(name: String, value: String)] = [],
         body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A JSON response.
    static func json(_ status: Int, _ value: JSONValue, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: value.encodedBytes(sortedKeys: false))
    }

    /// An RFC 7807 problem-details response, shaped like Replicate's errors:
    /// `{"type", "title", "status", "detail", "instance"?}`.
    static func problem(_ status: Int, detail: String, instance: String? = nil,
                        headers: [(name: String, value: String)] = []) -> HTTPResponse {
        var members: JSONObject = [
            "type": .string("https://replicate.com/docs/reference/http#\(status)"),
            "title": .string(reasonPhrase(status)),
            "status": .int(status),
            "detail": .string(detail),
        ]
        if let instance { members["instance"] = .string(instance) }
        return HTTPResponse(status: status, contentType: "application/problem+json", headers: headers,
                            body: JSONValue.object(members).encodedBytes(sortedKeys: false))
    }

    /// The wire bytes: status line, headers, blank line and (unless `omitBody`, for HEAD) the body.
    func serialized(close: Bool, omitBody: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        for header in headers { head += "\(header.name): \(header.value)\r\n" }
        head += "Date: \(WallClock.httpDate(WallClock.nowMilliseconds()))\r\n"
        head += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n"
        head += "Server: replicate-standin\r\n\r\n"
        var bytes = Array(head.utf8)
        if !omitBody { bytes.append(contentsOf: body) }
        return bytes
    }

    /// The standard reason phrase for the codes the stand-in uses.
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}
