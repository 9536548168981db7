import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// What the public port exposes, and where secrets may never appear. The public port serves the
/// function routes, the page (`web/`), `/func2url.json` and `/results/`, and nothing else: no
/// status page, no source, no dotfiles, no backups, no way out of the results folder.
@Suite(.serialized) struct AccessTests {
    /// Paths that must answer 403 or 404 (400 where nginx refuses to climb above the root, or the
    /// platform's "extra path after the function id"), always as JSON, never with file contents.
    static let probes = [
        "/status", "/status/", "/metrics", "/trigger/replicate-async-worker", "/_admin", "/_admin/status", "/admin", "/server-status",
        "/nginx_status", "/functions/", "/functions/func2url.json", "/functions/replicate-async-start/TryOnStartFunction.swift",
        "/functions/shared/TryOnCore/TaskStore.swift", "/Package.swift", "/Makefile", "/README.md", "/Sources/FunctionHost/Master.swift",
        "/Tests/", "/db_migrations/", "/nginx/nginx.conf.template", "/nginx.conf", "/conf/nginx.conf", "/serve.log", "/.git/config",
        "/.git/HEAD", "/.env", "/.gitignore", "/.hidden.html", "/.probe-secret", "/index.html~", "/app.js.bak", "/index.html.swp",
        "/web/index.html", "/web/app.js", "/func2url.json~", "/robots.txt", "/favicon.ico", "/.well-known/security.txt",
        "/results", "/results/", "/results/.probe-secret", "/results/probe-task/", "/results/probe-task/.step-2.png.77.tmp",
        "/results/../Package.swift", "/results/..%2fPackage.swift", "/results/%2e%2e/Makefile", "/results/%2e%2e/%2e%2e/etc/passwd",
        "/results/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/results/probe-task/..%2f..%2fserve.log",
        "/..%2f..%2fetc/passwd", "/results/%2e", "/results//etc/passwd", "/results/probe-task/%2e%2eprobe-secret",
        "/results/%2eprobe-secret", "/%2eenv", "/%2egit/config", "/index.html/..%2f..%2fPackage.swift", "//etc/passwd",
        "/replicate-async-start/.env", "/replicate-async-start/../../Package.swift", "/replicate-async-status/%2e%2e/Package.swift",
        "/results/probe-task/step-1.png%00.txt", "/results/probe-task/step-1.png/", "/nginx.pid", "/tmp/", "/conf/fastcgi_params",
    ]

    @Test func thePublicPortServesOnlyFunctionsThePageAndResults() throws {
        let marker = "PROBE-SECRET-" + UUID().uuidString
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-page-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: PackageRoot.url.appendingPathComponent("web"), to: page)
        defer { try? FileManager.default.removeItem(at: page) }
        try FileManager.default.createDirectory(at: page.appendingPathComponent(".git"), withIntermediateDirectories: true)
        for name in [".env", ".probe-secret", ".hidden.html", "index.html~", "app.js.bak", "index.html.swp", ".git/config", ".git/HEAD"] {
            try Data(marker.utf8).write(to: page.appendingPathComponent(name))
        }
        _ = chmod(page.path, 0o755)

        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off"], serveArguments: ["--page-dir", page.path])
        defer { stack.stop() }
        let results = stack.host.runDirectory.appendingPathComponent("results")
        try FileManager.default.createDirectory(at: results.appendingPathComponent("probe-task"), withIntermediateDirectories: true)
        try Data(marker.utf8).write(to: results.appendingPathComponent(".probe-secret"))
        try Data(marker.utf8).write(to: results.appendingPathComponent("probe-task/.step-2.png.77.tmp"))
        try Data(marker.utf8).write(to: results.appendingPathComponent("probe-task/.probe-secret"))
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: results.appendingPathComponent("probe-task/step-1.png"))
        for path in [results.path, results.path + "/probe-task"] { _ = chmod(path, 0o755) }

        // What must be served (so the probes below are refused by rule, not because nothing is served).
        for (path, type) in [("/", "text/html"), ("/index.html", "text/html"), ("/app.js", "application/javascript"), ("/func2url.json", "application/json"), ("/results/probe-task/step-1.png", "image/png")] {
            let answer = try Self.get(stack.host.port, path)
            #expect(answer.status == 200, "\(path): \(answer.status)")
            #expect(answer.header("Content-Type")?.hasPrefix(type) == true, "\(path): \(answer.header("Content-Type") ?? "none")")
        }
        #expect(try Self.get(stack.host.port, "/replicate-async-status?task_id=x").status == 404, "the function routes answer")

        let revealing = [marker, stack.host.runDirectory.path, PackageRoot.url.path, "root:x:0:0", "nginx/", "swift-tools-version", "<html"]
        for path in Self.probes {
            let answer = try Self.get(stack.host.port, path)
            #expect([400, 403, 404].contains(answer.status), "\(path): answered \(answer.status): \(answer.text.prefix(200))")
            #expect(answer.header("Content-Type")?.hasPrefix("application/json") == true, "\(path): Content-Type \(answer.header("Content-Type") ?? "none")")
            #expect((try? JSONValue.parse(answer.body))?.objectValue != nil, "\(path): body is not a JSON object: \(answer.text.prefix(200))")
            for text in revealing {
                #expect(!answer.text.contains(text), "\(path): the answer reveals \(text)")
            }
            #expect(answer.header("Server").map { !$0.contains("/") } ?? true, "\(path): Server header carries a version")
        }
        // The status page exists, on the admin port only.
        #expect(try stack.host.statusPage()["functions"]?["replicate-async-start"] != nil)
    }

    /// A GET written by hand (no client library normalizes `..` or decodes `%2e` on the way).
    static func get(_ port: Int, _ path: String) throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: port, request: Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
    }
}
