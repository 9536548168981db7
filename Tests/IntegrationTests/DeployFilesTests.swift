import FnhostProject
import FnhostTestSupport
import Foundation
import Testing

/// The files of deploy/: the rendered example of the front's configuration is what
/// `fnhost nginx-config --front` prints for the example settings, nginx accepts it, and every variable
/// the units use is set in their example environment files. (`make test` verifies the units
/// themselves with systemd-analyze: scripts/check-units.)
@Suite struct DeployFilesTests {
    static func read(_ path: String) throws -> String {
        try String(contentsOf: PackageRoot.appending(path), encoding: .utf8)
    }

    static func environment(_ path: String) throws -> [String: String] {
        try EnvironmentFile(parsing: try read(path), file: path).values
    }

    /// `fnhost nginx-config --front` with the options fnhost-front.service passes, from front.env.example.
    static func renderedFront() throws -> String {
        let settings = try environment("deploy/front.env.example")
        let upstream = try #require(settings["FNHOST_UPSTREAM"])
        let listen = try #require(settings["FNHOST_FRONT_LISTEN"])
        let port = try #require(settings["FNHOST_FRONT_PORT"])
        let options = (settings["FNHOST_FRONT_OPTIONS"] ?? "").split(separator: " ").map(String.init)
        let run = try CommandRun(["nginx-config", "--front", "--upstream", upstream, "--host", listen, "--port", port] + options)
        #expect(run.succeeded, "\(run.output)")
        return run.standardOutput
    }

    @Test func theExampleFrontConfigurationIsWhatNginxConfigRenders() throws {
        var rendered = try Self.renderedFront()
        // Run as root, nginx-config adds the `user` line nginx's workers need then; the front of
        // fnhost-front.service runs as the fnhost user, without it.
        if geteuid() == 0 {
            rendered = rendered.replacingOccurrences(of: "\nuser nobody nogroup;\n", with: "\n\n")
        }
        let shipped = try Self.read("deploy/front.conf")
        #expect(shipped == rendered, "deploy/front.conf is stale: render it again with fnhost nginx-config --front (see deploy/README.md)")
        #expect(shipped.contains("server 10.0.0.11:8080 max_fails=3 fail_timeout=10s;"))
    }

    @Test func nginxAcceptsTheExampleFrontConfiguration() throws {
        let prefix = try TemporaryFolder("front-conf-test")
        try FileManager.default.createDirectory(atPath: prefix.path + "/tmp", withIntermediateDirectories: true)
        let run = try CommandRun(
            program: "/usr/sbin/nginx", ["-t", "-p", prefix.path + "/", "-c", PackageRoot.appending("deploy/front.conf").path, "-e", "stderr"])
        #expect(run.succeeded, "\(run.output)")
        #expect(run.output.contains("test is successful"))
    }

    /// Every `${NAME}` and `$NAME` of a unit's ExecStart is set in the example of its EnvironmentFile,
    /// and the host gets its database.
    @Test(arguments: [("deploy/fnhost-host.service", "deploy/host.env.example"), ("deploy/fnhost-front.service", "deploy/front.env.example")])
    func everyVariableAUnitUsesIsInItsExample(unit: String, example: String) throws {
        let text = try Self.read(unit)
        let settings = try Self.environment(example)
        let execStart = try #require(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let used = Set(execStart.matches(of: /\$\{?([A-Z_][A-Z0-9_]*)\}?/).map { String($0.output.1) })
        #expect(!used.isEmpty)
        for name in used.sorted() {
            #expect(settings[name]?.isEmpty == false, "\(unit) uses \(name), which \(example) does not set")
        }
        #expect(text.contains("KillSignal=SIGTERM") && text.contains("KillMode=mixed"), "SIGTERM to fnhost alone, which stops the rest")
        if unit.hasSuffix("host.service") {
            #expect(settings["DATABASE_URL"]?.hasPrefix("postgresql://") == true)
            #expect(execStart.contains("--drain-notice 3"))
        }
    }
}
