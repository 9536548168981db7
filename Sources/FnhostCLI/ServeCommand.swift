#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionHost
import FunctionRuntime

/// `fnhost serve`: the master, a pool of workers per function, and nginx in front.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every function of func2url.json through nginx on 127.0.0.1:PORT.")

    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var edge: EdgeFlags

    @Option(help: "The port nginx listens on (default: $PORT, else 8080).")
    var port: Int?

    @Option(help: "The address nginx listens on.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("run-dir"), help: "Where sockets, nginx's files and temp folders go.")
    var runDirectory: String = ".run"

    @Option(name: .customLong("nginx-dir"), help: "The folder with nginx.conf.template and fastcgi_params.")
    var nginxDirectory: String = "nginx"

    @Option(name: .customLong("upstream-keepalive"), help: "Idle FastCGI connections nginx keeps per function (0: one connection per request).")
    var upstreamKeepalive: Int = 8

    @Option(name: .customLong("nginx-workers"), help: "nginx worker processes (a number or auto).")
    var nginxWorkers: String = "1"

    @Flag(name: .customLong("no-nginx"), help: "Run only the host; nginx (or another FastCGI client) is started separately.")
    var noNginx = false

    func run() throws {
        let catalog = try functions.catalog()
        for spec in catalog.functions where FnhostMain.registry.factory(for: spec.name) == nil {
            throw ValidationError("Function \"\(spec.name)\" is listed in func2url.json but this fnhost binary has no handler for it")
        }
        let runDirectory = Paths.absolute(runDirectory)
        let socketDirectory = Paths.socketDirectory(runDirectory: runDirectory)
        try Paths.makeDirectory(runDirectory)
        try Paths.makeDirectory(socketDirectory)
        let options = HostOptions(
            functionsDirectory: Paths.absolute(functions.directory), socketDirectory: socketDirectory,
            edge: edge.options)
        let port = port ?? Int(getenv("PORT").map { String(cString: $0) } ?? "") ?? 8080

        var companions: [CompanionProcess] = []
        if !noNginx {
            let nginx = NginxSetup(runDirectory: runDirectory)
            let templatePath = nginxDirectory + "/nginx.conf.template"
            guard let template = FileBytes.read(templatePath) else {
                throw ValidationError("Cannot read \(templatePath) (is --nginx-dir right?)")
            }
            let configuration = NginxConfiguration(
                listen: "\(host):\(port)", workerProcesses: nginxWorkers, upstreamKeepalive: upstreamKeepalive,
                fastCGIParamsPath: Paths.absolute(nginxDirectory + "/fastcgi_params"), user: NginxSetup.workerUser)
            try nginx.prepare(
                configuration: configuration.render(
                    template: String(decoding: template, as: UTF8.self), catalog: catalog, options: options))
            companions.append(nginx.companion)
        }
        let master = try Master(catalog: catalog, options: options, companions: companions)
        if !noNginx {
            var lines = ["fnhost: serving \(catalog.functions.count) functions on http://\(host):\(port)"]
            for spec in catalog.functions {
                lines.append("  \(spec.name): http://\(host):\(port)/\(spec.uuid)  (also /\(spec.name); public URL \(spec.url))")
            }
            Paths.printToStandardError(lines.joined(separator: "\n") + "\n")
        }
        try master.run()
    }
}
