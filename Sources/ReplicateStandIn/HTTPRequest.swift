/// One parsed HTTP/1.1 request as the stand-in sees it.
///
/// Header names keep their original spelling; lookups are case-insensitive. The target is split
/// into `path` (no query) and `query` (raw, without `?`). The body is the exact bytes announced by
/// `Content-Length` (chunked bodies are refused before a request is built).
struct HTTPRequest: Sendable {
    var method: String
    /// The request target's path, e.g. `/v1/predictions/abc`; never empty.
    var path: String
    /// The raw query string without `?`; empty when there was none.
    var query: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    var version: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(method: String, target: String, version: String = "HTTP/1.1",
         headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive), trimmed; nil when absent.
    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Whether the client wants the connection closed after this exchange: `Connection: close`,
    /// or HTTP/1.0 without `Connection: keep-alive`.
    var wantsClose: Bool {
        let tokens = (header("Connection") ?? "").lowercased().split(separator: ",").map {
            $0.trimmingCharacters(in: " \t")
        }
        if tokens.contains("close") { return true }
        if version == "HTTP/1.0" { return !tokens.contains("keep-alive") }
        return false
    }

    /// The path split on `/`, without empty segments: `/v1/predictions/x` → `["v1", "predictions", "x"]`.
    var pathSegments: [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set` (a tiny stand-in for
    /// Foundation's `trimmingCharacters(in:)`).
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        guard let first = firstIndex(where: { !characters.contains($0) }),
              let last = lastIndex(where: { !characters.contains($0) }) else { return "" }
        return String(self[first...last])
    }
}
