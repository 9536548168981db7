import FnhostTestSupport
import Foundation
import FunctionRuntime
import Testing

@testable import FunctionHost

/// Static folders in nginx.conf: the plain folder, and the folder whose misses a function answers.
@Suite struct NginxStaticFolderTests {
    let standard = NginxConfiguration(listen: "127.0.0.1:8080", fastCGIParamsPath: "/etc/fnhost/fastcgi_params")

    func rendered(_ folder: NginxStaticFolder) -> [String] {
        var configuration = standard
        configuration.staticFolders = [folder]
        return lines(render(configuration))
    }

    /// The lines from `first` to the closing brace at its own depth.
    func block(_ all: [String], startingWith first: String) throws -> [String] {
        let start = try #require(all.firstIndex(of: first))
        var depth = 0
        var end = start
        for index in start..<all.count {
            depth += all[index].filter { $0 == "{" }.count - all[index].filter { $0 == "}" }.count
            if depth == 0 {
                end = index
                break
            }
        }
        return Array(all[start...end])
    }

    @Test func aPlainFolderIsServedAloneWithoutDotfiles() throws {
        let all = rendered(NginxStaticFolder(prefix: "/results/", directory: "/srv/results"))
        #expect(
            try block(all, startingWith: "location ^~ /results/ {") == [
                "location ^~ /results/ {", "alias /srv/results/;", "autoindex off;", #"add_header Cache-Control "public, max-age=3600";"#,
                #"add_header Access-Control-Allow-Origin "*";"#, #"location ~ "/\." { return 404; }"#, "}",
            ])
        #expect(!all.contains { $0.contains("try_files") || $0.contains("@fnhost_static_fallback") })
    }

    @Test func aMissGoesToTheFallbackFunctionWithThePathInItsQuery() throws {
        let folder = NginxStaticFolder(
            prefix: "/results/", directory: "/srv/results", fallback: .init(function: "my-tasks", queryParameter: "path"))
        let all = rendered(folder)
        let served = try block(all, startingWith: "location ^~ /results/ {")
        #expect(served.contains("try_files $uri @fnhost_static_fallback_0;"))
        #expect(served.contains(#"location ~ "/\." { return 404; }"#), "dotfiles are still never served")
        #expect(
            try block(all, startingWith: "location @fnhost_static_fallback_0 {") == [
                "location @fnhost_static_fallback_0 {", #"rewrite "^/results/(.*)$" /my-tasks?path=$1? last;"#, "return 404;", "}",
            ])
        // The rewritten URI is one the function's own location serves.
        let line = try #require(all.first { $0.hasPrefix("location ~ \"^/(?:(?i:\(tasksUUID))|my-tasks)/?$\"") })
        let pattern = String(line.dropFirst("location ~ \"".count).prefix { $0 != "\"" })
        #expect("/my-tasks".firstMatch(of: try Regex(pattern)) != nil)
    }

    @Test(arguments: [
        NginxStaticFolder.Fallback(function: "not-in-the-catalog", queryParameter: "path"),
        NginxStaticFolder.Fallback(function: "my-tasks", queryParameter: "path&x=1"),
    ])
    func aFallbackToAFunctionNotServedOrAnOddParameterLeavesThePlainFolder(fallback: NginxStaticFolder.Fallback) {
        let all = rendered(NginxStaticFolder(prefix: "/results/", directory: "/srv/results", fallback: fallback))
        #expect(all.contains("location ^~ /results/ {"))
        #expect(!all.contains { $0.contains("try_files") || $0.contains("@fnhost_static_fallback") })
    }

    @Test func eachFolderHasItsOwnFallbackAndThePrefixIsMatchedLiterally() {
        var configuration = standard
        configuration.staticFolders = [
            NginxStaticFolder(prefix: "/a.b/", directory: "/srv/a", fallback: .init(function: "echo", queryParameter: "p")),
            NginxStaticFolder(prefix: "/c+d/", directory: "/srv/c", fallback: .init(function: "my-tasks", queryParameter: "q")),
        ]
        let all = lines(render(configuration))
        #expect(all.contains(#"rewrite "^/a\.b/(.*)$" /echo?p=$1? last;"#))
        #expect(all.contains(#"rewrite "^/c\+d/(.*)$" /my-tasks?q=$1? last;"#))
        #expect(all.contains("try_files $uri @fnhost_static_fallback_0;") && all.contains("try_files $uri @fnhost_static_fallback_1;"))
    }
}
