import ArgumentParser
import FunctionHost
import FunctionRuntime

/// `fnhost nginx-config`: prints the nginx.conf `serve` would generate (to check or to run nginx apart).
struct NginxConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nginx-config", abstract: "Print the nginx configuration `fnhost serve` generates.")

    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var stack: StackOptions

    func run() throws {
        let stack = try self.stack.resolved(for: try functions.layout)
        let catalog = try functions.catalog()
        print(try stack.nginxConfiguration(catalog: catalog, options: stack.hostOptions(functionsDirectory: functions.directory, edge: .platform)))
    }
}
