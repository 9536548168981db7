import Foundation
import FunctionRuntime
import Testing

@testable import FunctionHost

/// The local stand-in for functions.poehali.dev in the generated configuration.
@Suite struct NginxPlatformServerTests {
    static let template = """
        http {
        @UPSTREAMS@
            server {
                listen @LISTEN@;
        @ERROR_PAGES@
        @LOCATIONS@
            }
        @PLATFORM_SERVER@
        }
        """

    static func configuration(upstream: PlatformUpstream = .platform, resolvers: [String] = ["10.0.0.2"]) -> NginxConfiguration {
        var configuration = NginxConfiguration(listen: "127.0.0.1:8080", fastCGIParamsPath: "/etc/fnhost/fastcgi_params")
        configuration.platformServer = NginxPlatformServer(
            listen: "127.0.0.1:8082", certificatePath: "/run/tls/platform.crt", certificateKeyPath: "/run/tls/platform.key",
            upstream: upstream, resolvers: resolvers)
        return configuration
    }

    /// The rendered text split into the public server and the platform server.
    static func servers(_ configuration: NginxConfiguration) throws -> (public: String, platform: String) {
        let text = render(configuration, template: template)
        let marker = try #require(text.range(of: "# Functions' calls to https://functions.poehali.dev/"))
        return (String(text[..<marker.lowerBound]), String(text[marker.lowerBound...]))
    }

    static func block(_ text: String, opening: String) throws -> [String] {
        try nginxBlock(lines(text), opening: opening)
    }

    @Test func itListensWithTLSForThePlatformsNameWithTheLeafCertificate() throws {
        let platform = lines(try Self.servers(Self.configuration()).platform)
        #expect(platform.contains("listen 127.0.0.1:8082 ssl;"))
        #expect(platform.contains("server_name functions.poehali.dev;"))
        #expect(platform.contains("ssl_certificate /run/tls/platform.crt;"))
        #expect(platform.contains("ssl_certificate_key /run/tls/platform.key;"))
        #expect(platform.contains("client_max_body_size 3584k;"))
    }

    @Test func everyFunctionIsServedByUUIDWithThePublicServersLocation() throws {
        let (publicServer, platform) = try Self.servers(Self.configuration())
        for (uuid, name) in [(echoUUID, "echo"), (tasksUUID, "my-tasks")] {
            let served = try Self.block(platform, opening: #"location ~ "^/(?i:\#(uuid))/?$" {"#)
            let extra = try Self.block(platform, opening: #"location ~ "^/(?i:\#(uuid))/." {"#)
            // The same bodies as the public server's (which also answers the name): one source.
            let publicServed = try Self.block(publicServer, opening: #"location ~ "^/(?:(?i:\#(uuid))|\#(name))/?$" {"#)
            let publicExtra = try Self.block(publicServer, opening: #"location ~ "^/(?:(?i:\#(uuid))|\#(name))/." {"#)
            #expect(Array(served.dropFirst()) == Array(publicServed.dropFirst()))
            #expect(Array(extra.dropFirst()) == Array(publicExtra.dropFirst()))
            #expect(served.contains("fastcgi_param FUNCTION_NAME \(name);"))
        }
        #expect(!platform.contains("|echo)"), "the platform has no by-name URLs: /echo is the real platform's 404")
    }

    @Test func otherPathsAreProxiedToTheRealPlatformWithVerification() throws {
        let fallback = try Self.block(try Self.servers(Self.configuration()).platform, opening: "location / {")
        #expect(fallback.contains(#"set $fnhost_platform_upstream "https://functions.poehali.dev";"#))
        #expect(fallback.contains("proxy_pass $fnhost_platform_upstream;"))
        #expect(fallback.contains("proxy_ssl_verify on;"))
        #expect(fallback.contains("proxy_ssl_server_name on;"))
        #expect(fallback.contains("proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;"))
        #expect(fallback.contains("resolver 10.0.0.2 ipv6=off;"))
        #expect(!fallback.contains { $0.hasPrefix("return ") })
    }

    @Test func theUpstreamIsConfigurable() throws {
        let upstream = try #require(PlatformUpstream(url: "http://127.0.0.1:9999"))
        let fallback = try Self.block(
            try Self.servers(Self.configuration(upstream: upstream, resolvers: [])).platform, opening: "location / {")
        #expect(fallback.contains(#"set $fnhost_platform_upstream "http://127.0.0.1:9999";"#))
        #expect(fallback.contains("proxy_pass $fnhost_platform_upstream;"))
        #expect(!fallback.contains { $0.hasPrefix("resolver") }, "an address needs no resolver")
        #expect(!fallback.contains { $0.hasPrefix("proxy_ssl") }, "plain HTTP")

        let named = try #require(PlatformUpstream(url: "https://platform.example:8443/"))
        let namedFallback = try Self.block(
            try Self.servers(Self.configuration(upstream: named, resolvers: ["10.0.0.2", "[2001:db8::1]"])).platform,
            opening: "location / {")
        #expect(namedFallback.contains(#"set $fnhost_platform_upstream "https://platform.example:8443";"#))
        #expect(namedFallback.contains("resolver 10.0.0.2 [2001:db8::1] ipv6=off;"))
        #expect(namedFallback.contains("proxy_ssl_verify on;"))
    }

    @Test func withoutAResolverOtherPathsAnswerAJSON502() throws {
        let fallback = try Self.block(try Self.servers(Self.configuration(resolvers: [])).platform, opening: "location / {")
        #expect(!fallback.contains { $0.hasPrefix("proxy_pass") })
        let answer = try #require(fallback.first { $0.hasPrefix("return 502 '") })
        let json = try JSONValue.parse(String(answer.dropFirst("return 502 '".count).dropLast(2)))
        #expect(json["errorType"] == "PlatformUnreachable")
        let message = try #require(json["errorMessage"]?.stringValue)
        #expect(message.contains("not in the export") && message.contains("https://functions.poehali.dev"))
        #expect(fallback.contains("default_type application/json;"))
    }

    @Test func errorsNginxMakesOnThePlatformServerAreJSON() throws {
        let platform = try Self.servers(Self.configuration()).platform
        let fallback = try Self.block(platform, opening: "location / {")
        // The fallback's own error_page list replaces the server's: every status again.
        let caught = Set(NginxErrorPage.standard.flatMap(\.caught))
        let fallbackCaught = Set(
            fallback.filter { $0.hasPrefix("error_page ") }.flatMap { $0.split(separator: " ").dropFirst().prefix { !$0.hasPrefix("=") } }
                .compactMap { Int($0) })
        #expect(fallbackCaught == caught)
        #expect(fallback.contains("error_page 502 =502 /_fnhost_error/platform-502;"))
        #expect(fallback.contains("error_page 504 =504 /_fnhost_error/platform-504;"))
        // Every internal error location answers JSON.
        let pages = lines(platform).filter { $0.hasPrefix("location = /_fnhost_error/") }
        #expect(pages.count == NginxErrorPage.standard.count + 2)
        for page in pages {
            let body = try #require(page.range(of: " '").map { page[$0.upperBound...] }, "\(page)")
            let json = try JSONValue.parse(String(body.prefix { $0 != "'" }))
            #expect(json["errorType"]?.stringValue != nil && json["errorMessage"]?.stringValue != nil, "\(page)")
        }
    }

    @Test func withoutAPlatformServerThePlaceholderIsEmpty() {
        var configuration = Self.configuration()
        configuration.platformServer = nil
        let text = render(configuration, template: Self.template)
        #expect(!text.contains("ssl") && !text.contains("@PLATFORM_SERVER@"))
    }
}

/// `/etc/resolv.conf` to nginx's `resolver`.
@Suite struct ResolvConfTests {
    @Test func nameserversInOrderWithIPv6InBracketsAndZonesLeftOut() {
        let text = """
            # comment
            search example.internal
            nameserver 10.255.255.53
            nameserver 2001:db8::53 ; trailing comment
            nameserver fe80::1%eth0
            nameserver not-an-address
            nameserver 999.1.1.1
            options ndots:2
            \tnameserver\t127.0.0.53
            """
        #expect(ResolvConf(text: text).nameservers == ["10.255.255.53", "[2001:db8::53]", "127.0.0.53"])
        #expect(ResolvConf(text: "").nameservers.isEmpty)
        #expect(ResolvConf.read(path: "/nonexistent/resolv.conf").nameservers.isEmpty)
    }
}

/// `--platform-upstream` values.
@Suite struct PlatformUpstreamTests {
    @Test(arguments: [
        ("https://functions.poehali.dev", "https://functions.poehali.dev", false),
        ("https://functions.poehali.dev/", "https://functions.poehali.dev", false),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000", true),
        ("https://[::1]:8443", "https://[::1]:8443", true),
        ("http://platform.test:80", "http://platform.test:80", false),
    ])
    func accepted(url: String, origin: String, isAddress: Bool) throws {
        let upstream = try #require(PlatformUpstream(url: url))
        #expect(upstream.origin == origin)
        #expect(upstream.hostIsAddress == isAddress)
    }

    @Test(arguments: [
        "functions.poehali.dev", "ftp://x", "https://", "https://host/path", "https://host:0", "https://host:70000",
        "https://user@host", "https://host?x=1", "https://ho st", "https://host;evil", "https://[zz]:1", "http://host:abc",
        "https://\"quoted\"",
    ])
    func refused(url: String) {
        #expect(PlatformUpstream(url: url) == nil)
    }
}
