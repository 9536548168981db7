import ArgumentParser
import FunctionHost
import FunctionRuntime
import PythonRuntime

/// `fnhost-python`: runs Python functions for `fnhost serve`, which starts it with the same
/// descriptors and protocol as its Swift workers.
struct FnhostPythonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fnhost-python",
        abstract: "The worker program of fnhost's Python functions (started by fnhost serve).",
        subcommands: [PythonWorkerCommand.self])
}

/// `fnhost-python worker`: one worker process of a Python function.
struct PythonWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Internal: a worker process of a Python function.")

    @Option(help: "The folder with func2url.json and one folder per function.") var functions: String
    @Option(help: "The function this worker serves.") var function: String
    @Option(help: "The function's virtual environment (a folder made by fnhost deps).") var environment: String
    @Flag(name: .customLong("no-header-rewrites")) var noHeaderRewrites = false
    @Flag(name: .customLong("drop-cookie-domain")) var dropCookieDomain = false

    func run() throws {
        let catalog: FunctionCatalog
        do {
            catalog = try FunctionCatalog.load(directory: functions)
        } catch {
            throw ValidationError(error.description)
        }
        guard let spec = catalog.function(named: function) else {
            throw ValidationError("No function \"\(function)\" in \(functions)/func2url.json")
        }
        let settings = PythonFunctionSettings(
            function: spec.name, folder: catalog.folder(of: spec), projectFunctions: catalog.directory,
            environment: environment)
        let edge = EdgeOptions(rewriteAuthorizationAndCookies: !noHeaderRewrites, dropCookieDomain: dropCookieDomain)
        let invoker = FunctionInvoker(spec: spec, jsonFactory: { try PythonFunction(settings: settings) }, edge: edge)
        var worker = try WorkerMain(invoker: invoker)
        throw ExitCode(worker.run())
    }
}
