/// Where the local platform server forwards calls it cannot answer (a uuid not in this export):
/// an origin, `scheme://host[:port]`. Default the real platform, `https://functions.poehali.dev`.
public struct PlatformUpstream: Sendable, Equatable {
    /// `http` or `https`.
    public var scheme: String
    /// A host name, an IPv4 address, or an IPv6 address in brackets.
    public var host: String
    /// The port, when the URL names one.
    public var port: Int?

    public static let platform = PlatformUpstream(scheme: "https", host: "functions.poehali.dev", port: nil)

    public init(scheme: String, host: String, port: Int?) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses `http(s)://host[:port]`, with at most a trailing `/`. Nil for anything else (a path,
    /// credentials, a query, characters that do not belong in a host name).
    public init?(url: String) {
        let scheme: String
        var rest: Substring
        if url.hasPrefix("https://") {
            scheme = "https"
            rest = url.dropFirst("https://".count)
        } else if url.hasPrefix("http://") {
            scheme = "http"
            rest = url.dropFirst("http://".count)
        } else {
            return nil
        }
        if rest.last == "/" { rest = rest.dropLast() }
        var host = String(rest)
        var port: Int?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[...close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { return nil }
                port = number
            }
            guard ResolvConf.isIPv6(String(host.dropFirst().dropLast())) else { return nil }
        } else {
            if let colon = rest.lastIndex(of: ":") {
                host = String(rest[..<colon])
                guard let number = Int(rest[rest.index(after: colon)...]) else { return nil }
                port = number
            }
            guard LocalCertificateAuthority.isPlainHostName(host) else { return nil }
        }
        if let port, !(1...65_535).contains(port) { return nil }
        self.init(scheme: scheme, host: host, port: port)
    }

    /// `https://functions.poehali.dev`, `http://127.0.0.1:9000`.
    public var origin: String { "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")" }

    /// Whether `host` is an address, which nginx connects to without resolving a name.
    public var hostIsAddress: Bool { host.hasPrefix("[") || ResolvConf.isIPv4(host) }

    public var isTLS: Bool { scheme == "https" }
}
