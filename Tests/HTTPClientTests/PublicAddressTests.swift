import FnhostTestSupport
import Glibc
import HTTPClient
import Testing

/// `publicAddressesOnly`: the peer's address is checked when the socket is made, after name
/// resolution, so a name that resolves to this machine is refused as its literal address is.
@Suite struct PublicAddressTests {
    @Test func privatePeersAreRefusedAtConnectTimeWhateverTheURLsText() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try HTTPClient()
        // Allowed by default.
        #expect(try client.send(HTTPClientRequest(url: server.url("/echo"))).status == 200)
        // The literal, and names /etc/hosts maps to loopback (no DNS involved).
        for host in ["127.0.0.1", "localhost"] {
            var request = HTTPClientRequest(url: "http://\(host):\(server.port)/echo")
            request.publicAddressesOnly = true
            let error = client.failure(of: request)
            #expect(error?.code == .couldNotConnect, "\(host): \(String(describing: error))")
        }
        // The same client still connects when the request allows it (the option is per request).
        #expect(try client.send(HTTPClientRequest(url: server.url("/echo"))).status == 200)
    }

    @Test(arguments: [
        ("10.1.2.3", true), ("172.16.0.1", true), ("172.32.0.1", false), ("192.168.1.1", true), ("169.254.169.254", true),
        ("100.64.0.1", true), ("127.0.0.1", true), ("0.0.0.0", true), ("224.0.0.1", true), ("8.8.8.8", false),
        ("93.184.216.34", false),
    ])
    func ipv4(text: String, isPrivate: Bool) {
        var address = in_addr()
        #expect(inet_pton(AF_INET, text, &address) == 1)
        #expect(NetworkAddress.isPrivate(ipv4: UInt32(bigEndian: address.s_addr)) == isPrivate, "\(text)")
    }

    @Test(arguments: [
        ("::1", true), ("::", true), ("fe80::1", true), ("fd00::1", true), ("ff02::1", true),
        ("::ffff:127.0.0.1", true), ("::ffff:8.8.8.8", false), ("64:ff9b::a00:1", true), ("64:ff9b::808:808", false),
        ("2002:c0a8:101::1", true), ("2002:808:808::1", false), ("2001:4860:4860::8888", false),
    ])
    func ipv6(text: String, isPrivate: Bool) {
        var address = in6_addr()
        #expect(inet_pton(AF_INET6, text, &address) == 1)
        #expect(NetworkAddress.isPrivate(ipv6: withUnsafeBytes(of: address) { Array($0) }) == isPrivate, "\(text)")
    }
}
