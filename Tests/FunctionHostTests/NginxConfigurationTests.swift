import FnhostTestSupport
import Foundation
import FunctionRuntime
import Testing

@testable import FunctionHost

let echoUUID = "0b8e6c2a-1f3d-4e5a-9b7c-2d4e6f8a0b1c"
let tasksUUID = "7d1c9e4f-5a6b-4c3d-8e2f-1a0b9c8d7e6f"

let tinyTemplate = """
    worker_processes @WORKER_PROCESSES@;
    @USER@
    http {
    @UPSTREAMS@
        server {
            listen @LISTEN@;
    @LOCATIONS@
        }
    }
    # again: @LISTEN@ @UNKNOWN@
    """

func sampleCatalog() -> FunctionCatalog {
    var echo = FunctionConfiguration()
    echo.timeoutSeconds = 30
    var tasks = FunctionConfiguration()
    tasks.timeoutSeconds = 2.5
    return FunctionCatalog(
        directory: "/srv/functions",
        functions: [
            FunctionSpec(name: "echo", uuid: echoUUID, url: "https://functions.poehali.dev/\(echoUUID)", configuration: echo),
            FunctionSpec(
                name: "my-tasks", uuid: tasksUUID, url: "https://functions.poehali.dev/\(tasksUUID)", configuration: tasks),
        ])
}

func hostOptions() -> HostOptions {
    HostOptions(functionsDirectory: "/srv/functions", socketDirectory: "/run/fnhost", executable: "/usr/bin/fnhost")
}

func render(_ configuration: NginxConfiguration, template: String = tinyTemplate) -> String {
    configuration.render(template: template, catalog: sampleCatalog(), options: hostOptions())
}

func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
}

/// The lines of the nginx block that opens with `opening` (up to its matching brace).
func nginxBlock(_ all: [String], opening: String) throws -> [String] {
    let start = try #require(all.firstIndex(of: opening), "no \(opening)")
    var depth = 0
    var result: [String] = []
    for line in all[start...] {
        result.append(line)
        depth += line.filter { $0 == "{" }.count - line.filter { $0 == "}" }.count
        if depth == 0 { break }
    }
    return result
}

extension String {
    func trimmingSpaces() -> String {
        var slice = self[...]
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}

/// nginx.conf generation from the catalog.
@Suite struct NginxConfigurationTests {
    let standard = NginxConfiguration(listen: "127.0.0.1:8080", fastCGIParamsPath: "/etc/fnhost/fastcgi_params")

    @Test func placeholdersAreFilledAndUnknownOnesLeft() {
        let text = render(standard)
        #expect(text.hasPrefix("worker_processes 1;\n"))
        #expect(!text.contains("@WORKER_PROCESSES@") && !text.contains("@UPSTREAMS@") && !text.contains("@LOCATIONS@"))
        #expect(!text.contains("@LISTEN@") && !text.contains("@USER@"))
        #expect(text.contains("listen 127.0.0.1:8080;"))
        #expect(text.contains("# again: 127.0.0.1:8080 @UNKNOWN@"))
        #expect(!lines(text).contains { $0.hasPrefix("user ") })
    }

    @Test func userDirectiveWhenGiven() {
        var configuration = standard
        configuration.user = "nobody"
        configuration.workerProcesses = "auto"
        let all = lines(render(configuration))
        #expect(all.contains("user nobody;"))
        #expect(all.contains("worker_processes auto;"))
    }

    @Test func oneUpstreamPerFunctionOnItsSocket() {
        let all = lines(render(standard))
        #expect(all.filter { $0.hasPrefix("upstream ") } == ["upstream fnhost_0_echo {", "upstream fnhost_1_my_tasks {"])
        #expect(
            all.filter { $0.hasPrefix("server unix:") } == [
                "server unix:/run/fnhost/echo.sock;", "server unix:/run/fnhost/my-tasks.sock;",
            ])
        #expect(all.filter { $0 == "keepalive 4;" }.count == 2, "twice the default concurrency of 2")
        #expect(all.filter { $0 == "fastcgi_keep_conn on;" }.count == 2)
        #expect(all.contains("fastcgi_pass fnhost_0_echo;"))
        #expect(all.contains("fastcgi_pass fnhost_1_my_tasks;"))
        #expect(all.contains("fastcgi_param FUNCTION_NAME echo;"))
        #expect(all.contains("fastcgi_param FUNCTION_NAME my-tasks;"))
        #expect(all.filter { $0 == "include /etc/fnhost/fastcgi_params;" }.count == 2)
    }

    @Test func locationsNameTheUUIDAndTheName() {
        let all = lines(render(standard))
        let locations = all.filter { $0.hasPrefix("location ") }
        #expect(
            locations == [
                #"location ~ "^/(?:(?i:\#(echoUUID))|echo)/?$" {"#,
                #"location ~ "^/(?:(?i:\#(echoUUID))|echo)/." {"#,
                #"location ~ "^/(?:(?i:\#(tasksUUID))|my-tasks)/?$" {"#,
                #"location ~ "^/(?:(?i:\#(tasksUUID))|my-tasks)/." {"#,
            ])
    }

    @Test(arguments: [
        ("/\(echoUUID)", true), ("/\(echoUUID)/", true), ("/\(echoUUID.uppercased())", true), ("/echo", true),
        ("/echo/", true), ("/ECHO", false), ("/echo/extra", false), ("/echoes", false), ("/x/echo", false),
        ("/\(tasksUUID)", false), ("/", false),
    ])
    func theServingRegexMatchesExactlyTheFunctionsPaths(path: String, matches: Bool) throws {
        let all = lines(render(standard))
        let line = try #require(all.first { $0.hasPrefix("location ~ \"^/(?:(?i:\(echoUUID))|echo)/?$\"") })
        let pattern = String(line.dropFirst("location ~ \"".count).prefix { $0 != "\"" })
        let regex = try Regex(pattern)
        #expect((path.firstMatch(of: regex) != nil) == matches)
    }

    @Test func extraPathAnswers400WithTheProxyIntegrationError() {
        let text = render(standard)
        #expect(text.components(separatedBy: "return 400 '{\"errorCode\":400,").count == 3)
        #expect(text.contains("\"errorType\":\"ProxyIntegrationError\"}';"))
    }

    @Test func keepaliveZeroTurnsKeepConnOffAndDropsKeepalive() {
        var configuration = standard
        configuration.upstreamKeepalive = 0
        let all = lines(render(configuration))
        #expect(all.filter { $0 == "fastcgi_keep_conn off;" }.count == 2)
        #expect(!all.contains("fastcgi_keep_conn on;"))
        #expect(!all.contains { $0.hasPrefix("keepalive") })
    }

    @Test func readTimeoutIsTheCeilingOfTheTimeoutPlusTheMargin() {
        let all = lines(render(standard))
        #expect(all.filter { $0.hasPrefix("fastcgi_read_timeout") } == ["fastcgi_read_timeout 35s;", "fastcgi_read_timeout 8s;"])
        #expect(all.filter { $0.hasPrefix("fastcgi_send_timeout") } == ["fastcgi_send_timeout 35s;", "fastcgi_send_timeout 8s;"])

        var configuration = standard
        configuration.readTimeoutMarginSeconds = 1
        #expect(
            lines(render(configuration)).filter { $0.hasPrefix("fastcgi_read_timeout") } == [
                "fastcgi_read_timeout 31s;", "fastcgi_read_timeout 4s;",
            ])
    }

    @Test func clientAbortIsIgnoredSoHandlersRunToTheEnd() {
        #expect(lines(render(standard)).filter { $0 == "fastcgi_ignore_client_abort on;" }.count == 2)
    }

    @Test func emptyCatalogRendersNoUpstreamsOrLocations() {
        let text = standard.render(
            template: tinyTemplate, catalog: FunctionCatalog(directory: "/x", functions: []), options: hostOptions())
        #expect(!text.contains("upstream"))
        #expect(!text.contains("location"))
        #expect(text.contains("listen 127.0.0.1:8080;"))
    }

    @Test func theHealthEndpointGoesToTheAdminSocketOnlyWhenAsked() {
        let options = hostOptions()
        let without = lines(standard.render(template: tinyTemplate, catalog: FunctionCatalog(directory: "/x", functions: []), options: options))
        #expect(!without.contains("location = /_fnhost/health {"))
        var configuration = standard
        configuration.healthEndpoint = true
        let with = lines(configuration.render(template: tinyTemplate, catalog: FunctionCatalog(directory: "/x", functions: []), options: options))
        let start = try? #require(with.firstIndex(of: "location = /_fnhost/health {"))
        let block = start.map { Array(with[$0...].prefix { $0 != "}" }) } ?? []
        #expect(block.contains("fastcgi_pass unix:\(options.adminSocketPath);"))
        #expect(block.contains("fastcgi_param DOCUMENT_URI /_fnhost/health;"))
    }

    @Test(arguments: [
        ("aXXbXX", "XX", "Y", "aYbY"), ("aaa", "aa", "b", "ba"), ("none", "Q", "Z", "none"), ("abc", "", "Z", "abc"),
        ("@A@@A@", "@A@", "", ""), ("", "x", "y", ""),
    ])
    func replacingEvery(text: String, target: String, replacement: String, expected: String) {
        #expect(text.replacingEvery(target, with: replacement) == expected)
    }

    @Test func theShippedTemplateHasNoPlaceholderLeft() throws {
        let path = PackageRoot.appending("nginx/nginx.conf.template").path
        let template = try #require(FileBytes.read(path).map { String(decoding: $0, as: UTF8.self) })
        let text = render(standard, template: template)
        #expect(!text.contains("@WORKER_PROCESSES@") && !text.contains("@UPSTREAMS@") && !text.contains("@LOCATIONS@"))
        #expect(!text.contains("@LISTEN@") && !text.contains("@USER@"))
        #expect(!text.contains("@ERROR_PAGES@") && !text.contains("@PLATFORM_SERVER@"))
        #expect(text.contains("upstream fnhost_0_echo {"))
        // The public server answers its errors as JSON, from NginxErrorPage's list.
        let all = lines(text)
        #expect(all.contains("error_page 431 494 =431 /_fnhost_error/431;"))
        #expect(all.contains("error_page 501 =400 /_fnhost_error/501;"))
        #expect(all.contains("location ^~ /_fnhost_error/ {"))
        #expect(all.filter { $0.hasPrefix("location = /_fnhost_error/") }.count == NginxErrorPage.standard.count)
    }
}

@Suite struct NginxKeepaliveSizingTests {
    @Test func keepaliveFollowsEachFunctionsConcurrencyUnlessSet() {
        var wide = FunctionConfiguration()
        wide.concurrency = 16
        let catalog = FunctionCatalog(directory: "/x", functions: [
            FunctionSpec(name: "one", uuid: "0e1a5b6c-1111-4aaa-8bbb-000000000001", url: "u", configuration: FunctionConfiguration()),
            FunctionSpec(name: "wide", uuid: "0e1a5b6c-2222-4aaa-8bbb-000000000002", url: "u", configuration: wide),
        ])
        let automatic = NginxConfiguration(listen: "127.0.0.1:1", fastCGIParamsPath: "/p")
        let rendered = automatic.render(template: "@UPSTREAMS@", catalog: catalog, options: hostOptions())
        #expect(rendered.contains("keepalive 4;") && rendered.contains("keepalive 32;"))
        let fixed = NginxConfiguration(listen: "127.0.0.1:1", upstreamKeepalive: 6, fastCGIParamsPath: "/p")
        let fixedText = fixed.render(template: "@UPSTREAMS@", catalog: catalog, options: hostOptions())
        #expect(fixedText.components(separatedBy: "keepalive 6;").count == 3)
    }
}
