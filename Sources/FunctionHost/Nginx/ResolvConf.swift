import FunctionRuntime

/// The name servers of `/etc/resolv.conf`, in the form nginx's `resolver` directive takes. nginx
/// resolves a proxied host named by a variable at request time through these (it does not use
/// the system's resolver library).
public struct ResolvConf: Sendable, Equatable {
    /// `10.0.0.2`, `[2001:db8::1]`: each `nameserver` line's address, in order. IPv6 addresses
    /// with a zone (`fe80::1%eth0`) are left out: nginx cannot use them.
    public var nameservers: [String]

    public init(nameservers: [String]) {
        self.nameservers = nameservers
    }

    /// The system's file. Default path `/etc/resolv.conf`; a file that cannot be read has no name servers.
    public static func read(path: String = "/etc/resolv.conf") -> ResolvConf {
        ResolvConf(text: FileBytes.read(path).map { String(decoding: $0, as: UTF8.self) } ?? "")
    }

    /// Parses resolv.conf's text: `nameserver ADDRESS` lines; comments (`#`, `;`) and other options ignored.
    public init(text: String) {
        var found: [String] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let content = line.prefix { $0 != "#" && $0 != ";" }
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { continue }
            let address = String(fields[1])
            if Self.isIPv4(address) {
                found.append(address)
            } else if Self.isIPv6(address) {
                found.append("[\(address)]")
            }
        }
        nameservers = found
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
            }
    }

    static func isIPv6(_ text: String) -> Bool {
        text.contains(":") && text.count <= 45
            && text.unicodeScalars.allSatisfy { scalar in
                scalar == ":" || scalar == "." || ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar)
                    || ("A"..."F").contains(scalar)
            }
    }
}
