#if canImport(Glibc)
import Glibc
#endif
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
        subcommands: [PythonWorkerCommand.self, PythonInvokeCommand.self])
}

/// What every subcommand needs: the function, its environment and the edge switches.
struct PythonFunctionOptions: ParsableArguments {
    @Option(help: "The folder with func2url.json and one folder per function.") var functions: String
    @Option(help: "The function to run.") var function: String
    @Option(help: "The function's virtual environment (a folder made by fnhost deps).") var environment: String
    @Flag(name: .customLong("no-header-rewrites")) var noHeaderRewrites = false
    @Flag(name: .customLong("drop-cookie-domain")) var dropCookieDomain = false

    /// An invoker that runs the function in this process's interpreter.
    func invoker() throws -> FunctionInvoker {
        let catalog: FunctionCatalog
        do {
            catalog = try FunctionCatalog.load(directory: functions)
        } catch {
            throw ValidationError(error.description)
        }
        guard let spec = catalog.function(matching: function), spec.language == .python else {
            throw ValidationError("No Python function \"\(function)\" in \(functions)/func2url.json")
        }
        let settings = PythonFunctionSettings(
            function: spec.name, folder: catalog.folder(of: spec), projectFunctions: catalog.directory,
            environment: environment)
        let edge = EdgeOptions(rewriteAuthorizationAndCookies: !noHeaderRewrites, dropCookieDomain: dropCookieDomain)
        return FunctionInvoker(spec: spec, jsonFactory: { try PythonFunction(settings: settings) }, edge: edge)
    }
}

/// `fnhost-python worker`: one worker process of a Python function.
struct PythonWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Internal: a worker process of a Python function.")

    @OptionGroup var options: PythonFunctionOptions

    func run() throws {
        var worker = try WorkerMain(invoker: try options.invoker())
        throw ExitCode(worker.run())
    }
}

/// `fnhost-python invoke`: one invocation with an event file (what `fnhost invoke` runs for a
/// Python function); prints the response JSON.
struct PythonInvokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke", abstract: "Invoke a Python function once in this process and print the response JSON.")

    @OptionGroup var options: PythonFunctionOptions
    @Option(help: "The event JSON file, or - for standard input.") var event: String

    func run() throws {
        var invoker = try options.invoker()
        let decoded: Event
        do {
            decoded = try Event.read(file: event)
        } catch {
            throw ValidationError(error.description)
        }
        for (name, value) in invoker.spec.configuration.environment { setenv(name, value, 1) }
        let deadline = Clock.epochMilliseconds() + Int64(invoker.spec.configuration.timeoutSeconds * 1000)
        let result = invoker.invoke(decoded, deadlineMilliseconds: deadline)
        print(result.response.platformJSON)
        if result.outcome != .ok { throw ExitCode(1) }
    }
}
