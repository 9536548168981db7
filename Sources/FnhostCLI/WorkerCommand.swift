import ArgumentParser
import FunctionHost
import FunctionRuntime

/// `fnhost worker`: one worker process, started by the master with its control socket at fd 3.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Internal: a worker process of `fnhost serve`.", shouldDisplay: false)

    @OptionGroup var functions: FunctionsOptions
    @Option(help: "The function this worker serves.") var function: String
    @OptionGroup var edge: EdgeFlags

    func run() throws {
        let (spec, factory) = try functions.function(named: function)
        var worker = try WorkerMain(spec: spec, factory: factory, edge: edge.options)
        throw ExitCode(worker.run())
    }
}
