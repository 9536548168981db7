import ArgumentParser
import FunctionHost
import FunctionRuntime

/// `fnhost nginx-config`: prints the nginx.conf `serve` would generate (to check or to run nginx apart);
/// with `--front`, the one `fnhost front` generates for the `--upstream` hosts.
struct NginxConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nginx-config", abstract: "Print the nginx configuration `fnhost serve` (or, with --front, `fnhost front`) generates.")

    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var stack: StackOptions

    @Flag(name: .customLong("front"), help: "Print the front's configuration: nginx before the --upstream hosts.")
    var front = false

    @OptionGroup var frontOptions: FrontOptions

    func validate() throws {
        if !front, let option = frontOptions.given.first { throw ValidationError("\(option) goes with --front") }
    }

    func run() throws {
        if front {
            print(try frontConfiguration())
            return
        }
        let stack = try self.stack.resolved(for: try functions.layout)
        let catalog = try functions.catalog()
        print(try stack.nginxConfiguration(catalog: catalog, options: stack.hostOptions(functionsDirectory: functions.directory, edge: .platform)))
    }

    /// The front's text: `--host`, `--port`, `--nginx-workers`, `--upstream-keepalive`, `--page-dir`
    /// and `--functions` (or `--project`) as `fnhost front` takes them (the page served only when
    /// `--page-dir` is given).
    func frontConfiguration() throws -> String {
        let configuration = try frontOptions.configuration(
            listen: try FrontOptions.listen(host: stack.host, port: stack.resolvedPort), workerProcesses: stack.nginxWorkers,
            keepalive: stack.upstreamKeepalive, page: try frontOptions.page(directory: stack.pageDirectory, defaultFunctions: functions.directory),
            catalog: try FrontOptions.catalog(functions))
        return configuration.render(template: try FrontOptions.template(nginxDirectory: stack.nginxDirectoryPath))
    }
}
