#if canImport(Glibc)
import Glibc
#endif

/// Whether the host part of an image URL names this machine or a private network: such an image
/// can never be fetched by the model (Replicate fetches inputs from the internet), and accepting
/// it would let a client make the system probe addresses it should not. Checked on the text alone
/// (no DNS lookups): `localhost` and the local-only suffixes, and IP literals in every spelling the
/// C library accepts (`127.1`, `0x7f000001`, `2130706433`, `[::ffff:127.0.0.1]`).
public enum PrivateNetworkHost {
    /// Host names that only resolve inside a machine or a private network.
    static let localNames: Set<String> = ["localhost", "metadata.google.internal"]
    static let localSuffixes = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"]

    /// `authority` is what follows `scheme://` up to the path: `[user@]host[:port]`.
    public static func isPrivate(authority: String) -> Bool {
        var host = Substring(authority)
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return true }  // an unclosed literal is not a public host
            var literal = String(host[host.index(after: host.startIndex)..<close])
            if let zone = literal.firstIndex(of: "%") { literal = String(literal[..<zone]) }
            return isPrivateIPv6(literal)
        }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        var name = host.lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        if name.isEmpty || localNames.contains(name) || localSuffixes.contains(where: { name.hasSuffix($0) }) { return true }
        var address = in_addr()
        guard inet_aton(name, &address) != 0 else { return false }  // a name, not an address
        return isPrivateIPv4(UInt32(bigEndian: address.s_addr))
    }

    /// Loopback, "this network", private (RFC 1918), shared (RFC 6598), link-local, IETF and
    /// benchmarking ranges, multicast and everything above.
    static func isPrivateIPv4(_ address: UInt32) -> Bool {
        let first = address >> 24
        let second = (address >> 16) & 0xFF
        switch first {
        case 0, 10, 127: return true
        case 100: return (64...127).contains(second)
        case 169: return second == 254
        case 172: return (16...31).contains(second)
        case 192: return second == 168 || (second == 0 && (address >> 8) & 0xFF == 0)
        case 198: return second == 18 || second == 19
        default: return first >= 224
        }
    }

    /// `::`, `::1`, unique-local, link-local and multicast addresses, and IPv4 addresses carried in
    /// IPv6 (mapped, compatible, NAT64) that are private. Text that is not an address counts as private.
    static func isPrivateIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return true }
        let bytes = withUnsafeBytes(of: address) { Array($0) }
        if bytes[0] == 0xFF || bytes[0] & 0xFE == 0xFC || (bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80) { return true }
        let embedded = bytes[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        let compatible = bytes[0..<12].allSatisfy { $0 == 0 }
        let nat64 = bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        if compatible { return true }  // ::, ::1 and the deprecated IPv4-compatible form
        if mapped || nat64 { return isPrivateIPv4(embedded) }
        return false
    }
}
