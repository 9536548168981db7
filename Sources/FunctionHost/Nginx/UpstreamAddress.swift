/// One `fnhost serve` host behind the front: the address and port of its nginx, as nginx's
/// `server` directive and the health probe's URL take them (`10.0.0.11:8080`, `[2001:db8::5]:8080`,
/// `host-a.internal:8080`).
public struct UpstreamAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// An IPv4 address, an IPv6 address in brackets, or a host name (nginx resolves it once, when
    /// it loads its configuration).
    public var host: String
    /// 1 to 65535.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `ADDR:PORT`.
    public var description: String { "\(host):\(port)" }

    public static func < (left: UpstreamAddress, right: UpstreamAddress) -> Bool {
        (left.host, left.port) < (right.host, right.port)
    }

    /// Parses one `ADDR:PORT` entry.
    /// - Throws: ``UpstreamAddressError`` naming the entry and what is wrong with it.
    public init(parsing entry: String) throws(UpstreamAddressError) {
        guard !entry.isEmpty else { throw UpstreamAddressError(entry: entry, problem: "an empty entry (two commas, or one at an end)") }
        let host: String
        let portText: Substring
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else {
                throw UpstreamAddressError(entry: entry, problem: "an IPv6 address without its closing ]")
            }
            host = String(entry[...close])
            guard ResolvConf.isIPv6(String(host.dropFirst().dropLast())) else {
                throw UpstreamAddressError(entry: entry, problem: "\(host) is not an IPv6 address")
            }
            let after = entry[entry.index(after: close)...]
            guard after.hasPrefix(":") else { throw UpstreamAddressError(entry: entry, problem: "no :PORT after the address") }
            portText = after.dropFirst()
        } else {
            guard let colon = entry.lastIndex(of: ":") else {
                throw UpstreamAddressError(entry: entry, problem: "no :PORT (write ADDR:PORT, e.g. 10.0.0.11:8080)")
            }
            host = String(entry[..<colon])
            portText = entry[entry.index(after: colon)...]
            guard !host.contains(":") else {
                throw UpstreamAddressError(entry: entry, problem: "an IPv6 address must be in brackets ([2001:db8::5]:8080)")
            }
            guard !host.isEmpty else { throw UpstreamAddressError(entry: entry, problem: "no address before :PORT") }
            guard LocalCertificateAuthority.isPlainHostName(host), host.first != "-", host.first != "." else {
                throw UpstreamAddressError(entry: entry, problem: "\"\(host)\" is neither an IPv4 address nor a host name")
            }
            if host.allSatisfy({ $0.isNumber || $0 == "." }), !ResolvConf.isIPv4(host) {
                throw UpstreamAddressError(entry: entry, problem: "\"\(host)\" is not an IPv4 address")
            }
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5, let port = Int(portText),
            (1...65_535).contains(port)
        else {
            throw UpstreamAddressError(entry: entry, problem: "the port \"\(portText)\" is not a number from 1 to 65535")
        }
        self.init(host: host, port: port)
    }

    /// Parses a comma-separated list (`--upstream 10.0.0.11:8080,10.0.0.12:8080`): at least one
    /// entry, none twice. Spaces around entries are ignored.
    /// - Throws: ``UpstreamAddressError`` naming the first bad entry.
    public static func list(_ text: String) throws(UpstreamAddressError) -> [UpstreamAddress] {
        let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { entry in
            String(entry.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
        guard !(entries.count == 1 && entries[0].isEmpty) else {
            throw UpstreamAddressError(entry: text, problem: "no host given (write ADDR:PORT,ADDR:PORT,...)")
        }
        var addresses: [UpstreamAddress] = []
        for entry in entries {
            let address = try UpstreamAddress(parsing: entry)
            guard !addresses.contains(address) else { throw UpstreamAddressError(entry: entry, problem: "listed twice") }
            addresses.append(address)
        }
        return addresses
    }
}

/// A bad `--upstream` entry: which one, and why.
public struct UpstreamAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry as given.
    public var entry: String
    public var problem: String

    public init(entry: String, problem: String) {
        self.entry = entry
        self.problem = problem
    }

    public var description: String { "bad host \"\(entry)\" in --upstream: \(problem)" }
}
