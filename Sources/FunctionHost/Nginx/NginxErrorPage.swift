/// An error nginx answers itself, as JSON (never its HTML page): the statuses it catches, the
/// status sent, and the body. Every server fnhost generates renders the same list, so a client
/// mistake gets the same answer on the public port as on the local platform port.
///
/// They go to internal URIs (`/_fnhost_error/<name>`), not named locations: a request refused while
/// its request line is read has no URI yet, and nginx cannot redirect such a request to a named
/// location (it answers an HTML 500). Client mistakes nginx would answer with a 5xx (an unknown
/// Transfer-Encoding: 501, an HTTP version it does not speak: 505) are 400s: the fault is the request's.
struct NginxErrorPage: Sendable {
    /// The statuses nginx produces that this page answers (`error_page 431 494 ...`).
    var caught: [Int]
    /// The status sent.
    var status: Int
    /// The last segment of its internal URI.
    var name: String
    var errorType: String
    /// Plain text without `'` or `"` (it sits inside a quoted nginx string and a JSON string).
    var message: String
    /// Adds `X-Function-Error: true`, as the platform does when the function (not the request) failed.
    var functionError: Bool = false

    var uri: String { "/_fnhost_error/\(name)" }

    /// The pages of every server.
    static let standard: [NginxErrorPage] = [
        NginxErrorPage(caught: [400], status: 400, name: "400", errorType: "BadRequest", message: "Bad request: the request is not valid HTTP"),
        NginxErrorPage(caught: [403], status: 403, name: "403", errorType: "Forbidden", message: "Forbidden"),
        NginxErrorPage(caught: [404], status: 404, name: "404", errorType: "FunctionNotFound", message: "Function not found"),
        NginxErrorPage(caught: [405], status: 405, name: "405", errorType: "MethodNotAllowed", message: "Method not allowed"),
        NginxErrorPage(
            caught: [408], status: 408, name: "408", errorType: "RequestTimeout", message: "The request was not received in time"),
        NginxErrorPage(caught: [413], status: 413, name: "413", errorType: "PayloadTooLarge", message: "The request is larger than 3.5 MB"),
        NginxErrorPage(caught: [414], status: 414, name: "414", errorType: "UriTooLong", message: "The request URI is too long"),
        NginxErrorPage(
            caught: [431, 494], status: 431, name: "431", errorType: "HeadersTooLarge", message: "The request headers are too large"),
        NginxErrorPage(
            caught: [501], status: 400, name: "501", errorType: "BadRequest",
            message: "Bad request: unsupported Transfer-Encoding (only chunked is accepted)"),
        NginxErrorPage(
            caught: [505], status: 400, name: "505", errorType: "BadRequest",
            message: "Bad request: unsupported HTTP version (use HTTP/1.0 or HTTP/1.1)"),
        NginxErrorPage(caught: [500], status: 500, name: "500", errorType: "InternalError", message: "Internal error"),
        NginxErrorPage(
            caught: [502], status: 502, name: "502", errorType: "HostUnavailable", message: "The function host did not answer",
            functionError: true),
        NginxErrorPage(caught: [503], status: 503, name: "503", errorType: "ServiceUnavailable", message: "Service unavailable"),
        NginxErrorPage(
            caught: [504], status: 504, name: "504", errorType: "Timeout",
            message: "Exceeded maximum function execution time before timeout"),
    ]

    /// The standard pages with those of `replacements` in place of the ones catching the same statuses.
    static func standard(replacing replacements: [NginxErrorPage]) -> [NginxErrorPage] {
        let replaced = Set(replacements.flatMap(\.caught))
        return replacements + standard.filter { page in !page.caught.contains(where: replaced.contains) }
    }

    /// `error_page` directives sending each page's statuses to it, indented by `indent` spaces.
    static func directives(_ pages: [NginxErrorPage], indent: Int) -> String {
        let padding = String(repeating: " ", count: indent)
        return pages.map { page in
            "\(padding)error_page \(page.caught.map(String.init).joined(separator: " ")) =\(page.status) \(page.uri);\n"
        }.joined()
    }

    /// The internal location answering the pages' URIs, indented by `indent` spaces.
    static func locations(_ pages: [NginxErrorPage], indent: Int) -> String {
        let padding = String(repeating: " ", count: indent)
        var text = """
            \(padding)location ^~ /_fnhost_error/ {
            \(padding)    internal;
            \(padding)    default_type application/json;
            \(padding)    add_header X-Request-Id $fnhost_request_uuid always;

            """
        for page in pages {
            // add_header in the inner location replaces the outer ones: X-Request-Id is repeated.
            let headers =
                page.functionError ? " add_header X-Request-Id $fnhost_request_uuid always; add_header X-Function-Error true always;" : ""
            text +=
                "\(padding)    location = \(page.uri) { internal;\(headers) return \(page.status) '{\"errorMessage\":\"\(page.message)\",\"errorType\":\"\(page.errorType)\"}'; }\n"
        }
        return text + "\(padding)}\n"
    }
}
