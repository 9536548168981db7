import FnhostTestSupport
import Foundation
import FunctionRuntime
import Testing

@testable import FunctionHost

/// The front's nginx.conf, rendered from the shipped template.
@Suite struct FrontConfigurationTests {
    static let a = UpstreamAddress(host: "10.0.0.11", port: 8080)
    static let b = UpstreamAddress(host: "10.0.0.12", port: 8080)
    static let c = UpstreamAddress(host: "[2001:db8::5]", port: 8080)

    static func template() throws -> String {
        String(decoding: try #require(FileBytes.read(PackageRoot.appending("nginx/front.conf.template").path)), as: UTF8.self)
    }

    static func configuration() -> FrontConfiguration {
        FrontConfiguration(listen: "0.0.0.0:80", hosts: [a, b, c])
    }

    static func rendered(_ configuration: FrontConfiguration = configuration()) throws -> [String] {
        lines(configuration.render(template: try template()))
    }

    static func block(_ all: [String], opening: String) throws -> [String] {
        try nginxBlock(all, opening: opening)
    }

    @Test func everyPlaceholderIsFilled() throws {
        let text = Self.configuration().render(template: try Self.template())
        let left = text.matches(of: /@[A-Z_]+@/).map { String($0.output) }.filter { $0 != "@PLACEHOLDERS@" }
        #expect(left.isEmpty, "placeholders left: \(left)")
        let all = lines(text)
        #expect(all.contains("listen 0.0.0.0:80;"))
        #expect(all.contains("worker_processes 1;"))
        #expect(all.contains("client_max_body_size 3584k;"))
        #expect(!all.contains { $0.hasPrefix("user ") })
        var withUser = Self.configuration()
        withUser.user = "nobody nogroup"
        withUser.workerProcesses = "auto"
        let userLines = try Self.rendered(withUser)
        #expect(userLines.contains("user nobody nogroup;"))
        #expect(userLines.contains("worker_processes auto;"))
    }

    @Test func bothUpstreamsListEveryHostWithThePassiveCheckAndOnlyOneKeepsConnections() throws {
        var configuration = Self.configuration()
        configuration.down = [Self.b]
        configuration.maxFails = 2
        configuration.failTimeoutSeconds = 7
        let all = try Self.rendered(configuration)
        let servers = [
            "server 10.0.0.11:8080 max_fails=2 fail_timeout=7s;", "server 10.0.0.12:8080 max_fails=2 fail_timeout=7s down;",
            "server [2001:db8::5]:8080 max_fails=2 fail_timeout=7s;",
        ]
        let kept = try Self.block(all, opening: "upstream fnhost_hosts {")
        #expect(kept == ["upstream fnhost_hosts {"] + servers + ["keepalive 32;", "keepalive_timeout 60s;", "}"])
        let fresh = try Self.block(all, opening: "upstream fnhost_hosts_fresh {")
        #expect(fresh == ["upstream fnhost_hosts_fresh {"] + servers + ["}"])

        configuration.keepalive = 0
        let none = try Self.block(try Self.rendered(configuration), opening: "upstream fnhost_hosts {")
        #expect(!none.contains { $0.hasPrefix("keepalive") }, "0: a connection per request")
    }

    @Test func methodsAreSortedIntoThreeLocations() throws {
        let all = try Self.rendered()
        let map = try Self.block(all, opening: "map $request_method $fnhost_front_method_class {")
        #expect(Array(map.dropFirst().dropLast()) == [
            "GET resend;", "HEAD resend;", "OPTIONS resend;", "POST sent-once;", "PATCH sent-once;", "LOCK sent-once;", "default one-host;",
        ])
        let root = try Self.block(all, opening: "location / {")
        #expect(Array(root[1...6]) == [
            "if ($fnhost_front_method_class = sent-once) {", "rewrite ^ /_fnhost_front/sent-once last;", "}",
            "if ($fnhost_front_method_class = one-host) {", "rewrite ^ /_fnhost_front/one-host last;", "}",
        ])
    }

    @Test func onlyGetHeadAndOptionsAreSentAgainAfterAFailure() throws {
        let all = try Self.rendered()
        let root = try Self.block(all, opening: "location / {")
        #expect(root.contains("proxy_pass http://fnhost_hosts;"))
        #expect(root.contains("proxy_next_upstream error timeout http_502 http_503 http_504;"))
        #expect(root.contains(#"proxy_set_header Connection "";"#))

        let sentOnce = try Self.block(all, opening: "location = /_fnhost_front/sent-once {")
        #expect(sentOnce.contains("internal;"))
        #expect(sentOnce.contains("proxy_pass http://fnhost_hosts_fresh$request_uri;"))
        #expect(sentOnce.contains("proxy_next_upstream error timeout;"), "POST, PATCH, LOCK: the next host while nothing was sent")
        #expect(sentOnce.contains("proxy_set_header Connection close;"))

        let oneHost = try Self.block(all, opening: "location = /_fnhost_front/one-host {")
        #expect(oneHost.contains("internal;"))
        #expect(oneHost.contains("proxy_pass http://fnhost_hosts_fresh$request_uri;"))
        #expect(oneHost.contains("proxy_next_upstream off;"), "PUT, DELETE, ...: nginx passes them on to no host itself")
        #expect(oneHost.contains("proxy_set_header Connection close;"))
        #expect(oneHost.contains("error_page 502 504 = @fnhost_front_one_host_again;"))
        #expect(oneHost.contains("recursive_error_pages on;"), "the second location's errors still get the JSON pages")

        // One more host only when nothing went out to the first.
        let again = try Self.block(all, opening: "location @fnhost_front_one_host_again {")
        #expect(Array(again[1...6]) == [
            "if ($fnhost_front_one_host_failed = 502) {", "return 502;", "}", "if ($fnhost_front_one_host_failed = 504) {", "return 504;", "}",
        ])
        #expect(Array(again.dropFirst(7)) == Array(oneHost.dropFirst(1).filter { !$0.hasPrefix("error_page") && !$0.hasPrefix("recursive") && $0 != "internal;" }))
        let failed = try Self.block(all, opening: #"map "$upstream_bytes_sent $upstream_status" $fnhost_front_one_host_failed {"#)
        #expect(Array(failed.dropFirst().dropLast()) == [#""~^0 " "";"#, #""~ 504$" 504;"#, "default 502;"])

        // nginx's own rule for POST is never switched off, and no location decides by buffering.
        let directives = all.filter { !$0.hasPrefix("#") }
        #expect(!directives.contains { $0.contains("non_idempotent") || $0.contains("proxy_request_buffering") })
        #expect(all.filter { $0.hasPrefix("proxy_next_upstream ") }.count == 4)
    }

    @Test func everyProxyingLocationForwardsTheClientAndTheTimeouts() throws {
        var configuration = Self.configuration()
        configuration.connectTimeoutSeconds = 3
        configuration.sendTimeoutSeconds = 30
        configuration.readTimeoutSeconds = 700
        let all = try Self.rendered(configuration)
        for opening in [
            "location / {", "location = /_fnhost_front/sent-once {", "location = /_fnhost_front/one-host {", "location @fnhost_front_one_host_again {",
        ] {
            let location = try Self.block(all, opening: opening)
            for expected in [
                "proxy_http_version 1.1;", "proxy_set_header Host $fnhost_front_host;", "proxy_set_header X-Real-IP $remote_addr;",
                "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "proxy_set_header X-Forwarded-Proto $scheme;",
                "proxy_connect_timeout 3s;", "proxy_send_timeout 30s;", "proxy_read_timeout 700s;",
            ] {
                #expect(location.contains(expected), "\(opening) lacks \(expected)")
            }
        }
    }

    static func spec(_ name: String, _ uuid: String, timeout: Double) -> FunctionSpec {
        var configuration = FunctionConfiguration()
        configuration.timeoutSeconds = timeout
        return FunctionSpec(name: name, uuid: uuid, url: "https://functions.poehali.dev/\(uuid)", configuration: configuration)
    }

    static let functions = [
        spec("replicate-async-status", "9b3a2e9f-51c4-4a43-b6f2-2f8c1b0d7e11", timeout: 10),
        spec("slow", "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", timeout: 599.5),
    ]

    /// A known function's location (and a static prefix's) is `location /` (the same proxying) but
    /// for how long a request waits: its timeout rounded up plus the margin, never past
    /// `readTimeoutSeconds` (and where its rewrites lead, the test after this one).
    @Test func aKnownFunctionsGetWaitsItsTimeoutPlusTheMargin() throws {
        var configuration = Self.configuration()
        configuration.functions = Self.functions
        var all = try Self.rendered(configuration)
        let root = try Self.block(all, opening: "location / {")
        let readTimeout = { (lines: [String]) in lines.filter { $0.hasPrefix("proxy_read_timeout ") } }
        // What is left without the read timeout and the rewrites' targets (checked apart, below).
        let timeless = { (lines: [String]) in lines.dropFirst().filter { !$0.hasPrefix("proxy_read_timeout ") && !$0.hasPrefix("rewrite ") } }
        #expect(readTimeout(root) == ["proxy_read_timeout 3660s;"])
        for (spec, seconds) in zip(Self.functions, [17, 607]) {
            let location = try Self.block(all, opening: #"location ~ "^/(?:(?i:\#(spec.uuid))|\#(spec.name))(?:/|$)" {"#)
            #expect(readTimeout(location) == ["proxy_read_timeout \(seconds)s;"], "\(spec.name)")
            #expect(timeless(location) == timeless(root), "\(spec.name)")
        }
        #expect(!all.contains { $0.hasPrefix("location ^~ /results/") }, "no static prefixes given")

        // A static prefix: the fallback function's timeout plus the margin, or the margin alone.
        configuration.staticPrefixes = [("/results/", Self.functions[0]), ("/files/", nil)]
        all = try Self.rendered(configuration)
        for (prefix, seconds) in [("/results/", 17), ("/files/", 7)] {
            let location = try Self.block(all, opening: "location ^~ \(prefix) {")
            #expect(readTimeout(location) == ["proxy_read_timeout \(seconds)s;"], "\(prefix)")
            #expect(timeless(location) == timeless(root), "\(prefix)")
        }
        // Before `location /` (regex locations win over it anyway; this keeps the file readable).
        #expect(try #require(all.firstIndex { $0.hasPrefix("location ~ \"^/(?:(?i:") }) < (try #require(all.firstIndex(of: "location / {"))))

        configuration.readTimeoutSeconds = 100
        configuration.functionReadMarginSeconds = 2
        all = try Self.rendered(configuration)
        for (spec, seconds) in zip(Self.functions, [12, 100]) {
            let location = try Self.block(all, opening: #"location ~ "^/(?:(?i:\#(spec.uuid))|\#(spec.name))(?:/|$)" {"#)
            #expect(readTimeout(location) == ["proxy_read_timeout \(seconds)s;"], "\(spec.name)")
        }
    }

    /// POST, PUT and the other methods to a known function wait for a host as long as a GET to it:
    /// the function's location rewrites them to their class's locations of its read timeout, which
    /// are the front's own but for their names and that timeout, rendered once per timeout.
    @Test func aKnownFunctionsOtherMethodsWaitItsTimeoutToo() throws {
        var configuration = Self.configuration()
        configuration.functions = Self.functions + [Self.spec("twin", "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8", timeout: 9.5)]
        configuration.staticPrefixes = [("/results/", Self.functions[0]), ("/files/", nil)]
        #expect(configuration.classReadTimeouts == [3660, 7, 17, 607])
        let all = try Self.rendered(configuration)
        let rewrites = { (suffix: String) in [
            "if ($fnhost_front_method_class = sent-once) {", "rewrite ^ /_fnhost_front/sent-once\(suffix) last;", "}",
            "if ($fnhost_front_method_class = one-host) {", "rewrite ^ /_fnhost_front/one-host\(suffix) last;", "}",
        ] }
        for (spec, seconds) in zip(configuration.functions, [17, 607, 17]) {
            let location = try Self.block(all, opening: #"location ~ "^/(?:(?i:\#(spec.uuid))|\#(spec.name))(?:/|$)" {"#)
            #expect(Array(location[1...6]) == rewrites("/\(seconds)s"), "\(spec.name)")
        }
        for (prefix, seconds) in [("/results/", 17), ("/files/", 7)] {
            #expect(Array(try Self.block(all, opening: "location ^~ \(prefix) {")[1...6]) == rewrites("/\(seconds)s"), "\(prefix)")
        }
        #expect(Array(try Self.block(all, opening: "location / {")[1...6]) == rewrites(""))

        // Each timeout's trio is the front's own with its names and read timeout changed.
        let own = [
            try Self.block(all, opening: "location = /_fnhost_front/sent-once {"),
            try Self.block(all, opening: "location = /_fnhost_front/one-host {"),
            try Self.block(all, opening: "location @fnhost_front_one_host_again {"),
        ]
        for seconds in [7, 17, 607] {
            let timed = [
                try Self.block(all, opening: "location = /_fnhost_front/sent-once/\(seconds)s {"),
                try Self.block(all, opening: "location = /_fnhost_front/one-host/\(seconds)s {"),
                try Self.block(all, opening: "location @fnhost_front_one_host_again_\(seconds)s {"),
            ]
            for (block, base) in zip(timed, own) {
                #expect(block.filter { $0.hasPrefix("proxy_read_timeout ") } == ["proxy_read_timeout \(seconds)s;"], "\(block[0])")
                let renamed = block.map {
                    $0.replacingOccurrences(of: "/\(seconds)s ", with: " ").replacingOccurrences(of: "_\(seconds)s", with: "")
                        .replacingOccurrences(of: "proxy_read_timeout \(seconds)s;", with: "proxy_read_timeout 3660s;")
                }
                #expect(renamed == base, "\(block[0])")
            }
            #expect(all.filter { $0 == "location = /_fnhost_front/sent-once/\(seconds)s {" }.count == 1, "one trio per timeout")
        }
        #expect(all.filter { $0.hasPrefix("location = /_fnhost_front/sent-once") }.count == 4)
        #expect(!all.contains { $0.contains("/3660s") }, "the front's own timeout keeps the plain names")
    }

    @Test func errorsAreTheHostsJSONPages() throws {
        let text = Self.configuration().render(template: try Self.template())
        #expect(text.contains(NginxErrorPage.directives(NginxErrorPage.standard, indent: 8)))
        #expect(text.contains(NginxErrorPage.locations(NginxErrorPage.standard, indent: 8)))
        // Only the one-host location has error pages of its own: the same ones, but its host's 502 and
        // 504 go to the location deciding about one more host.
        let all = lines(text)
        let oneHost = try Self.block(all, opening: "location = /_fnhost_front/one-host {")
        let own = oneHost.filter { $0.hasPrefix("error_page ") }
        let standard = lines(NginxErrorPage.directives(NginxErrorPage.standard, indent: 0)).filter { !$0.isEmpty }
        #expect(own == standard.filter { !$0.contains(" 502 ") && !$0.contains(" 504 ") } + ["error_page 502 504 = @fnhost_front_one_host_again;"])
        #expect(all.filter { $0.hasPrefix("error_page ") }.count == standard.count + own.count)
    }

    @Test func thePageIsServedAsOnAHostOnlyWhenGiven() throws {
        #expect(!(try Self.rendered()).contains("location = / {"), "no page: / goes to the hosts")
        var configuration = Self.configuration()
        configuration.page = ("/srv/fnhost/web", "/srv/fnhost/functions/func2url.json")
        let text = configuration.render(template: try Self.template())
        #expect(text.contains(NginxConfiguration.pageLocations(directory: "/srv/fnhost/web", func2url: "/srv/fnhost/functions/func2url.json")))
        let all = lines(text)
        // The page's locations come before `location /`, which they would otherwise lose to nothing: exact
        // and regex locations win over a prefix one anyway; this keeps the file readable.
        let page = try #require(all.firstIndex(of: "location = / {"))
        let root = try #require(all.firstIndex(of: "location / {"))
        #expect(page < root)
    }

    /// nginx itself accepts what is rendered: with hosts down, a page, functions, and as the user it runs as.
    @Test func nginxAcceptsTheConfiguration() throws {
        let scratch = try TemporaryFolder("front-conf")
        var configuration = Self.configuration()
        configuration.hosts = [Self.a, Self.b, UpstreamAddress(host: "[::1]", port: 8080)]
        configuration.down = [Self.a]
        configuration.page = (scratch.path, scratch.path + "/func2url.json")
        configuration.functions = Self.functions
        configuration.staticPrefixes = [("/results/", Self.functions[0])]
        configuration.user = NginxSetup.workerUser
        configuration.listen = "127.0.0.1:1"
        let setup = NginxSetup(runDirectory: scratch.path)
        try setup.prepare(configuration: configuration.render(template: try Self.template()))
        let tested = try ProcessSpawner.runToCompletion([setup.binary, "-t", "-p", setup.prefix + "/", "-c", "conf/nginx.conf", "-e", "stderr"])
        #expect(tested.succeeded, "\(tested.output)")
    }
}
