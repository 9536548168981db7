import FunctionRuntime

/// CORS headers every try-on response carries; preflight is answered by each function.
public enum CORS {
    public static let headers: [String: String] = [
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, X-User-Id, Idempotency-Key, X-Worker-Token",
        "Access-Control-Max-Age": "86400",
    ]

    /// The preflight answer: 200, the CORS headers and an empty body.
    public static func preflight(methods: String) -> Response {
        var headers = Self.headers
        headers["Access-Control-Allow-Methods"] = methods
        return Response(statusCode: 200, headers: headers, body: "")
    }

    /// A JSON response with the CORS headers.
    public static func json(_ status: Int, _ text: String) -> Response {
        .json(status, text, headers: headers)
    }
}
