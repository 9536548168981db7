#if canImport(Glibc)
import Glibc
#endif

/// Which IP addresses are this machine's or a private network's, rather than the internet's: the
/// one rule behind both the try-on's check of image URL text and the client's refusal to connect
/// to such an address when a request asks for public peers only
/// (``HTTPClientRequest/publicAddressesOnly``), so a name that resolves to a private address is
/// caught at connect time.
public enum NetworkAddress {
    /// Loopback, "this network", private (RFC 1918), shared (RFC 6598), link-local, IETF and
    /// benchmarking ranges, multicast and everything above. `address` in host byte order.
    public static func isPrivate(ipv4 address: UInt32) -> Bool {
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
    /// IPv6 that are private: mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`), NAT64
    /// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`).
    public static func isPrivate(ipv6 bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return true }
        if bytes[0] == 0xFF || bytes[0] & 0xFE == 0xFC || (bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80) { return true }
        func ipv4(at start: Int) -> UInt32 { bytes[start..<start + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        let compatible = bytes[0..<12].allSatisfy { $0 == 0 }
        let nat64 = bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        if compatible { return true }  // ::, ::1 and the deprecated IPv4-compatible form
        if mapped || nat64 { return isPrivate(ipv4: ipv4(at: 12)) }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return isPrivate(ipv4: ipv4(at: 2)) }  // 6to4
        return false
    }

    /// Whether a socket address (IPv4 or IPv6) is private; any other family counts as private.
    public static func isPrivate(_ address: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                isPrivate(ipv4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                isPrivate(ipv6: withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) })
            }
        default:
            return true
        }
    }
}
