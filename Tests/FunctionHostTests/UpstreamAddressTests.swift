import Testing

@testable import FunctionHost

/// `--upstream` lists: what is accepted, and the error naming each bad entry.
@Suite struct UpstreamAddressTests {
    @Test func addressesHostNamesAndBracketedIPv6AreAccepted() throws {
        let hosts = try UpstreamAddress.list("10.0.0.11:8080, host-b.internal:9000,[2001:db8::5]:80")
        #expect(hosts == [
            UpstreamAddress(host: "10.0.0.11", port: 8080), UpstreamAddress(host: "host-b.internal", port: 9000),
            UpstreamAddress(host: "[2001:db8::5]", port: 80),
        ])
        #expect(hosts.map(\.description) == ["10.0.0.11:8080", "host-b.internal:9000", "[2001:db8::5]:80"])
        #expect(try UpstreamAddress.list("127.0.0.1:65535") == [UpstreamAddress(host: "127.0.0.1", port: 65_535)])
    }

    @Test(arguments: [
        ("", "no host given"),
        ("10.0.0.11:8080,", "an empty entry"),
        ("10.0.0.11", "no :PORT"),
        (":8080", "no address before :PORT"),
        ("10.0.0.11:", "the port \"\" is not a number"),
        ("10.0.0.11:0", "the port \"0\" is not a number from 1 to 65535"),
        ("10.0.0.11:65536", "the port \"65536\""),
        ("10.0.0.11:80a", "the port \"80a\""),
        ("10.0.0.11:+80", "the port \"+80\""),
        ("2001:db8::5:80", "must be in brackets"),
        ("[2001:db8::5]", "no :PORT after the address"),
        ("[2001:db8::5:80", "without its closing ]"),
        ("[zz::1]:80", "is not an IPv6 address"),
        ("10.0.0.256:80", "is not an IPv4 address"),
        ("10.0.0:80", "is not an IPv4 address"),
        ("host_b:80", "neither an IPv4 address nor a host name"),
        ("-b:80", "neither an IPv4 address nor a host name"),
        ("a b:80", "neither an IPv4 address nor a host name"),
        ("10.0.0.11:8080,10.0.0.11:8080", "listed twice"),
    ])
    func badEntriesAreNamed(list: String, problem: String) {
        #expect {
            try UpstreamAddress.list(list)
        } throws: { error in
            let text = "\(error)"
            return text.contains("in --upstream") && text.contains(problem)
        }
    }

    @Test func theErrorQuotesTheBadEntryNotTheWholeList() {
        #expect {
            try UpstreamAddress.list("10.0.0.11:8080,10.0.0.12")
        } throws: { error in
            "\(error)" == "bad host \"10.0.0.12\" in --upstream: no :PORT (write ADDR:PORT, e.g. 10.0.0.11:8080)"
        }
    }
}
