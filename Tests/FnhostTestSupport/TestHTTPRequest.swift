/// One request as ``TestHTTPServer`` received it.
public struct TestHTTPRequest: Sendable {
    public var method: String
    /// Path plus query, as sent (`/echo?x=1`).
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public var path: String { String(target.prefix { $0 != "?" }) }

    /// The last value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Integer value of query parameter `name`, if present and numeric.
    public func query(_ name: String) -> Int? {
        guard let question = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return Int(parts[1]) }
        }
        return nil
    }
}
