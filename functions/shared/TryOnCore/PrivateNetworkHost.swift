#if canImport(Glibc)
import Glibc
#endif
import HTTPClient

/// Whether the host part of an image URL names this machine or a private network: such an image
/// can never be fetched by the model (Replicate fetches inputs from the internet), and accepting
/// it would let a client make the system probe addresses it should not. Checked on the text alone
/// (no DNS lookups): `localhost` and the local-only suffixes, and IP literals in every spelling the
/// C library accepts (`127.1`, `0x7f000001`, `2130706433`, `[::ffff:127.0.0.1]`, NAT64 and 6to4).
/// The model fetches these images, not this host; the host's own downloads (Replicate's outputs)
/// refuse private peers at connect time instead (`HTTPClientRequest.publicAddressesOnly`).
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

    static func isPrivateIPv4(_ address: UInt32) -> Bool { NetworkAddress.isPrivate(ipv4: address) }

    /// Private IPv6 literals, as ``NetworkAddress`` decides; text that is not an address counts as private.
    static func isPrivateIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return true }
        return NetworkAddress.isPrivate(ipv6: withUnsafeBytes(of: address) { Array($0) })
    }
}
