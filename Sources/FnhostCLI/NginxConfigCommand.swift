import ArgumentParser
import FunctionHost
import FunctionRuntime

/// `fnhost nginx-config`: prints the nginx.conf `serve` would generate (to check or to run nginx apart).
struct NginxConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nginx-config", abstract: "Print the nginx configuration `fnhost serve` generates.")

    @OptionGroup var functions: FunctionsOptions
    @Option(help: "The port nginx listens on.") var port: Int = 8080
    @Option(help: "The address nginx listens on.") var host: String = "127.0.0.1"
    @Option(name: .customLong("run-dir")) var runDirectory: String = ".run"
    @Option(name: .customLong("nginx-dir")) var nginxDirectory: String = "nginx"
    @Option(name: .customLong("upstream-keepalive")) var upstreamKeepalive: Int = 8

    func run() throws {
        let catalog = try functions.catalog()
        let runDirectory = Paths.absolute(runDirectory)
        let options = HostOptions(
            functionsDirectory: Paths.absolute(functions.directory),
            socketDirectory: Paths.socketDirectory(runDirectory: runDirectory))
        guard let template = FileBytes.read(nginxDirectory + "/nginx.conf.template") else {
            throw ValidationError("Cannot read \(nginxDirectory)/nginx.conf.template")
        }
        let configuration = NginxConfiguration(
            listen: "\(host):\(port)", upstreamKeepalive: upstreamKeepalive,
            fastCGIParamsPath: Paths.absolute(nginxDirectory + "/fastcgi_params"), user: NginxSetup.workerUser)
        print(configuration.render(template: String(decoding: template, as: UTF8.self), catalog: catalog, options: options))
    }
}
