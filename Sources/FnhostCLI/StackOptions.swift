#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionHost
import FunctionRuntime

/// Where the stack listens and keeps its files, shared by `serve` and `nginx-config`.
struct StackOptions: ParsableArguments {
    @Option(help: "The port nginx listens on (default: $PORT, else 8080).")
    var port: Int?

    @Option(help: "The address nginx listens on.")
    var host: String = "127.0.0.1"

    @Option(
        name: .customLong("run-dir"),
        help: "Where sockets, nginx's files and temp folders go (default .run; with --project, <fnhost checkout>/.run, the project's files in its projects/<name>-<hash>).")
    var runDirectory: String?

    @Option(
        name: .customLong("nginx-dir"),
        help: "The folder with nginx.conf.template and fastcgi_params (default nginx; with --project, <fnhost checkout>/nginx).")
    var nginxDirectory: String?

    @Option(name: .customLong("upstream-keepalive"), help: "Idle FastCGI connections nginx keeps per function (default: twice its concurrency; 0: one connection per request).")
    var upstreamKeepalive: Int?

    @Option(name: .customLong("nginx-workers"), help: "nginx worker processes (a number or auto).")
    var nginxWorkers: String = "1"

    @Option(name: .customLong("results-dir"), help: "The folder nginx serves at /results/ (functions' stored images; default <run-dir>/results, or results/ in the folder nginx's workers can reach when they cannot reach the run folder).")
    var resultsDirectory: String?

    @Option(name: .customLong("admin-port"), help: "Loopback port of the status page and trigger control (default: the port + 1; 0: none).")
    var adminPort: Int?

    @Option(name: .customLong("page-dir"), help: "The folder with the web page served at / (default: web, when it exists).")
    var pageDirectory: String?

    /// Whether `web/` is served at / when `--page-dir` is not given (the shipped try-on page; not in
    /// project mode).
    var servesDefaultPage = true

    @Option(name: .customLong("platform-port"), help: "Loopback TLS port answering functions' calls to https://functions.poehali.dev/<uuid> (default: the port + 2; 0: off, such calls go to the real platform).")
    var platformPort: Int?

    @Option(name: .customLong("platform-upstream"), help: "Where calls to a uuid not in this export are forwarded (http(s)://host[:port]).")
    var platformUpstream: String = PlatformUpstream.platform.origin

    var resolvedPort: Int { port ?? Int(getenv("PORT").map { String(cString: $0) } ?? "") ?? 8080 }
    var resolvedAdminPort: Int { adminPort ?? resolvedPort + 1 }
    var adminURL: String? { resolvedAdminPort > 0 ? "http://127.0.0.1:\(resolvedAdminPort)" : nil }
    var runDirectoryPath: String { runDirectory ?? ".run" }
    var nginxDirectoryPath: String { nginxDirectory ?? "nginx" }
    var absoluteRunDirectory: String { Paths.absolute(runDirectoryPath) }
    /// The URL prefix of the functions' stored images (`--results-dir`).
    static let resultsPrefix = "/results/"

    var absoluteResultsDirectory: String { resultsDirectory.map(Paths.absolute) ?? nginxFacing.resultsDirectory }
    /// Where the sockets, nginx's prefix and the default results folder go.
    var nginxFacing: NginxFacingFolder { NginxFacingFolder(runDirectory: absoluteRunDirectory) }
    var baseURL: String { "http://\(host):\(resolvedPort)" }

    func hostOptions(functionsDirectory: String, edge: EdgeOptions) -> HostOptions {
        var options = HostOptions(
            functionsDirectory: Paths.absolute(functionsDirectory), socketDirectory: nginxFacing.socketDirectory, edge: edge)
        options.socketGroup = NginxSetup.workerGroupID
        options.runDirectory = absoluteRunDirectory
        return options
    }

    /// The web page's folder and the func2url.json it reads, when a page is served.
    func pageSource(options: HostOptions) -> (directory: String, func2url: String)? {
        guard let page = (pageDirectory ?? (servesDefaultPage ? "web" : nil)).map(Paths.absolute), FileBytes.read(page + "/index.html") != nil
        else { return nil }
        return (page, Paths.absolute(options.functionsDirectory + "/func2url.json"))
    }

    /// The generated nginx.conf text.
    /// - Parameter page: where nginx reads the page from (``NginxFacingFolder/publishPage``); by
    ///   default the originals.
    func nginxConfiguration(
        catalog: FunctionCatalog, options: HostOptions, page: (directory: String, func2url: String)?? = .none
    ) throws -> String {
        let templatePath = nginxDirectoryPath + "/nginx.conf.template"
        guard let template = FileBytes.read(templatePath) else {
            throw ValidationError("Cannot read \(templatePath) (is --nginx-dir right?)")
        }
        var configuration = NginxConfiguration(
            listen: "\(host):\(resolvedPort)", workerProcesses: nginxWorkers, upstreamKeepalive: upstreamKeepalive,
            fastCGIParamsPath: Paths.absolute(nginxDirectoryPath + "/fastcgi_params"), user: NginxSetup.workerUser)
        // The stored images; with the shipped try-on functions, those this host's folder lacks are
        // read from the database (stored there by a worker on any host, `STORAGE_BACKEND=postgres`).
        configuration.staticFolders = [
            NginxStaticFolder(
                prefix: Self.resultsPrefix, directory: absoluteResultsDirectory,
                fallback: ShippedFunctions.resultsFallback(catalog: catalog, registry: FnhostMain.registry))
        ]
        if resolvedAdminPort > 0 { configuration.adminListen = "127.0.0.1:\(resolvedAdminPort)" }
        configuration.healthEndpoint = options.admin
        configuration.page = page ?? pageSource(options: options)
        configuration.platformServer = try PlatformRouting(stack: self)?.nginxServer(resolvConf: .read())
        return configuration.render(template: String(decoding: template, as: UTF8.self), catalog: catalog, options: options)
    }
}
