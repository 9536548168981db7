import ArgumentParser
import FunctionHost
import FunctionRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The `fnhost` command line. A binary calls `FnhostMain.run(registry:)` with the functions it was
/// built with; every subcommand finds them through `FnhostMain.registry`.
public enum FnhostMain {
    private static let registryStorage = Mutex(FunctionRegistry())
    private static let providersStorage = Mutex<[StatusProvider]>([])

    public static var registry: FunctionRegistry { registryStorage.withLock { $0 } }
    /// Sections the status page adds (the try-on task queue for the shipped functions).
    public static var statusProviders: [StatusProvider] { providersStorage.withLock { $0 } }

    public static func run(registry: FunctionRegistry, statusProviders: [StatusProvider] = ShippedFunctions.statusProviders) -> Never {
        registryStorage.withLock { $0 = registry }
        providersStorage.withLock { $0 = statusProviders }
        FnhostCommand.main()
        exit(0)
    }
}

struct FnhostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fnhost",
        abstract: "Runs poehali.dev-style cloud functions on this machine, behind nginx over FastCGI.",
        subcommands: [
            ServeCommand.self, InvokeCommand.self, GenerateEventCommand.self, TestCommand.self, WorkerCommand.self,
            NginxConfigCommand.self, FrontCommand.self, MigrateCommand.self, StatusCommand.self, TriggerCommand.self, DepsCommand.self,
        ]
    )
}
