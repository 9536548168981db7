#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionHost
import FunctionRuntime

/// `fnhost front`: nginx before several `fnhost serve` hosts, in the foreground from its
/// own run folder, with an active health check of every host (`FrontSupervisor`).
struct FrontCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "front",
        abstract: "Run nginx before several `fnhost serve` hosts, taking out the ones whose health probe fails.")

    @OptionGroup var front: FrontOptions

    /// The hosts' functions: their timeouts bound how long a GET to each waits for a host.
    @OptionGroup var functions: FunctionsOptions

    @Option(help: "The port the front listens on (default: $PORT, else 8080).")
    var port: Int?

    @Option(help: "The address the front listens on.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("run-dir"), help: "Where nginx's configuration, pid file and temp folders go.")
    var runDirectory: String = ".run/front"

    @Option(name: .customLong("nginx-dir"), help: "The folder with front.conf.template.")
    var nginxDirectory: String = "nginx"

    @Option(name: .customLong("page-dir"), help: "The folder with the web page served at / (default: none; the hosts serve /).")
    var pageDirectory: String?

    @Option(name: .customLong("nginx-workers"), help: "nginx worker processes (a number or auto).")
    var nginxWorkers: String = "1"

    @Option(name: .customLong("upstream-keepalive"), help: "Idle connections to the hosts each nginx worker keeps (0: a connection per request).")
    var upstreamKeepalive: Int?

    @Option(name: .customLong("probe-interval"), help: "Seconds between two health probes of every host (0: none, nginx's passive checks only).")
    var probeInterval: Double = 1

    @Option(name: .customLong("probe-timeout"), help: "Seconds a health probe may take, connecting included.")
    var probeTimeout: Double = 1

    func validate() throws {
        guard probeInterval.isFinite, (0...3600).contains(probeInterval) else {
            throw ValidationError("--probe-interval must be 0 to 3600 seconds, got \(probeInterval)")
        }
        guard probeTimeout.isFinite, (0.01...60).contains(probeTimeout) else {
            throw ValidationError("--probe-timeout must be 0.01 to 60 seconds, got \(probeTimeout)")
        }
        if let upstreamKeepalive, upstreamKeepalive < 0 {
            throw ValidationError("--upstream-keepalive must be 0 or more, got \(upstreamKeepalive)")
        }
        _ = try front.hosts()
        _ = try FrontOptions.listen(host: host, port: resolvedPort)
        _ = try front.page(directory: pageDirectory, defaultFunctions: functions.directory)
    }

    /// `--port`, else `$PORT`, else 8080 (as `serve` and `nginx-config` take it).
    var resolvedPort: Int { port ?? Int(getenv("PORT").map { String(cString: $0) } ?? "") ?? 8080 }

    func run() throws {
        let template = try FrontOptions.template(nginxDirectory: nginxDirectory)
        let source = try front.page(directory: pageDirectory, defaultFunctions: functions.directory)
        if let source {
            guard FileBytes.read(source.directory + "/index.html") != nil else {
                throw ValidationError("--page-dir \(source.directory) has no index.html")
            }
            guard FileBytes.read(source.func2url) != nil else {
                throw ValidationError("Cannot read \(source.func2url), the func2url.json the page reads (is --func2url right?)")
            }
        }
        let runDirectory = Paths.absolute(self.runDirectory)
        try Paths.makeDirectory(runDirectory)
        let facing = NginxFacingFolder(runDirectory: runDirectory)
        try facing.prepare(sockets: false)
        let page = try source.map { try facing.publishPage(directory: $0.directory, func2url: $0.func2url) }
        let configuration = try front.configuration(
            listen: try FrontOptions.listen(host: host, port: resolvedPort), workerProcesses: nginxWorkers, keepalive: upstreamKeepalive, page: page,
            catalog: try FrontOptions.catalog(functions))
        // Probes go straight to the hosts, never through a proxy named in the environment.
        setenv("no_proxy", "*", 1)
        let probe = FrontHealthProbe(timeoutMilliseconds: Int((probeTimeout * 1000).rounded()))
        var probeRound: FrontSupervisor.ProbeRound?
        if probeInterval > 0 { probeRound = { hosts in probe.round(hosts) } }
        let supervisor = FrontSupervisor(
            nginx: NginxSetup(runDirectory: facing.path), template: template, configuration: configuration,
            membership: FrontMembership(hosts: configuration.hosts), probeRound: probeRound,
            probeIntervalMilliseconds: Int((probeInterval * 1000).rounded()))
        let status = try supervisor.run()
        if status != 0 { throw ExitCode(status) }
    }
}
