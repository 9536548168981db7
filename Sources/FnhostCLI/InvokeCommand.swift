#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionRuntime

/// `fnhost invoke NAME --event FILE`: one in-process invocation (like `sam local invoke -e`).
struct InvokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Invoke a function once in this process with an event file and print the response JSON.")

    @Argument(help: "The function's name (or uuid).") var name: String
    @Option(help: "The event JSON file, or - for standard input (see `fnhost generate-event`).") var event: String
    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var edge: EdgeFlags

    @Option(name: .customLong("python-envs"), help: "Where Python functions' virtual environments live (default <run-dir>/python/envs, as serve).")
    var pythonEnvironments: String?

    @Option(name: .customLong("run-dir"), help: "The run folder whose python/envs holds the environments.")
    var runDirectory: String = ".run"

    func run() throws {
        _ = try functions.loadEnvironment()
        let catalog = try functions.catalog()
        if let spec = catalog.function(matching: name), spec.language == .python {
            try invokePython(spec, catalog: catalog)
        }
        let (spec, factory) = try functions.function(named: name)
        let decoded: Event
        do {
            decoded = try Event.read(file: event)
        } catch {
            throw ValidationError(error.description)
        }
        for (name, value) in spec.configuration.environment { setenv(name, value, 1) }
        var invoker = FunctionInvoker(spec: spec, factory: factory, edge: edge.options)
        let deadline = Clock.epochMilliseconds() + Int64(spec.configuration.timeoutSeconds * 1000)
        let result = invoker.invoke(decoded, deadlineMilliseconds: deadline)
        print(result.response.platformJSON)
        if result.outcome != .ok { throw ExitCode(1) }
    }

    /// A Python function runs in `fnhost-python` (this binary has no interpreter): this process
    /// becomes that one, with the same event and the function's environment (built if missing).
    private func invokePython(_ spec: FunctionSpec, catalog: FunctionCatalog) throws -> Never {
        let python = PythonWorkers(
            environments: Paths.absolute(pythonEnvironments ?? runDirectory + "/python/envs"), catalog: catalog,
            host: FnhostCheckout.executablePath())
        _ = try PythonWorkers.prepare(
            catalog: catalog, functions: [spec], store: python.store, say: { Paths.printToStandardError($0 + "\n") })
        var arguments = python.command("invoke", spec) + ["--functions", Paths.absolute(catalog.directory), "--function", spec.name]
        arguments += ["--event", event == "-" ? "-" : Paths.absolute(event)]
        if edge.noHeaderRewrites { arguments.append("--no-header-rewrites") }
        if edge.dropCookieDomain { arguments.append("--drop-cookie-domain") }
        let argv = arguments.map { strdup($0) } + [nil]
        execv(arguments[0], argv)
        throw CLIError(.system, "Cannot run \(arguments[0]): \(String(cString: strerror(errno)))")
    }
}
