#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionHost
import FunctionRuntime
import PythonTooling

/// `fnhost serve`: the master, a pool of workers per function, and nginx in front.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every function of func2url.json through nginx on 127.0.0.1:PORT.")

    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var stack: StackOptions
    @OptionGroup var edge: EdgeFlags

    @Flag(name: .customLong("no-nginx"), help: "Run only the host; nginx (or another FastCGI client) is started separately.")
    var noNginx = false

    @Flag(name: .customLong("no-timers"), help: "Do not fire timer triggers on their schedules (fnhost trigger still fires them by hand).")
    var noTimers = false

    @Flag(name: .customLong("replicate-standin"), help: "Also run the offline Replicate stand-in (next to this binary) and point REPLICATE_BASE_URL and REPLICATE_API_TOKEN at it.")
    var replicateStandIn = false

    @Option(name: .customLong("standin-delay-ms"), help: "With --replicate-standin: milliseconds each prediction spends starting and then processing.")
    var standInDelayMilliseconds: Int = 1500

    func run() throws {
        let catalog = try functions.catalog()
        for spec in catalog.functions where spec.language == .swift && FnhostMain.registry.factory(for: spec.name) == nil {
            throw ValidationError(
                "Function \"\(spec.name)\" is listed in func2url.json but has no index.py and this fnhost binary has no handler compiled for it")
        }
        var options = stack.hostOptions(functionsDirectory: functions.directory, edge: edge.options)
        options.workerPrograms[.python] = PythonWorkers(runDirectory: stack.absoluteRunDirectory, catalog: catalog).program
        options.admin = stack.resolvedAdminPort > 0 && !noNginx
        options.statusProviders = FnhostMain.statusProviders
        options.timers = !noTimers
        try Paths.makeDirectory(stack.absoluteRunDirectory)
        try Paths.makeDirectory(options.socketDirectory)
        try Paths.makeDirectory(stack.absoluteResultsDirectory)
        // What functions need to find this host and its storage (inherited by every worker);
        // values the user set win.
        setenv("FNHOST_BASE_URL", stack.baseURL, 0)
        setenv("FNHOST_RUN_DIR", stack.absoluteRunDirectory, 0)
        setenv("STORAGE_DIR", stack.absoluteResultsDirectory, 0)

        var companions: [CompanionProcess] = []
        var standInURL: String?
        if replicateStandIn {
            let binary = Paths.siblingExecutable("replicate-standin")
            let standInPort = try Paths.freeLoopbackPort()
            standInURL = "http://127.0.0.1:\(standInPort)"
            setenv("REPLICATE_BASE_URL", "http://127.0.0.1:\(standInPort)", 1)
            setenv("REPLICATE_API_TOKEN", "r8_offline_standin", 1)
            companions.append(
                CompanionProcess(
                    name: "replicate-standin",
                    arguments: [binary, "--port", String(standInPort), "--delay-ms", String(standInDelayMilliseconds), "--quiet",
                        "--files-dir", stack.absoluteRunDirectory + "/standin-files"],
                    stopSignal: SIGTERM))
        }
        // Functions' calls to https://functions.poehali.dev/<uuid>: to this host's TLS port.
        let platform = noNginx ? nil : try PlatformRouting(stack: stack)
        try platform?.prepare()
        let platformNotes = platform?.exportEnvironment() ?? []
        if !noNginx {
            try Paths.requireReachableByNginxWorkers(options.socketDirectory, purpose: "the sockets in")
            try Paths.requireReachableByNginxWorkers(stack.absoluteResultsDirectory, purpose: "the stored images in")
            let nginx = NginxSetup(runDirectory: stack.absoluteRunDirectory)
            try nginx.prepare(configuration: try stack.nginxConfiguration(catalog: catalog, options: options))
            companions.append(nginx.companion)
        }
        let master = try Master(catalog: catalog, options: options, companions: companions)
        if !noNginx {
            var lines = ["fnhost: serving \(catalog.functions.count) functions on \(stack.baseURL)"]
            for spec in catalog.functions {
                lines.append("  \(spec.name): \(stack.baseURL)/\(spec.uuid)  (also /\(spec.name); public URL \(spec.url))")
            }
            if let platform { lines += platform.bannerLines(notes: platformNotes) }
            lines.append("  stored images: \(stack.baseURL)/results/ (\(stack.absoluteResultsDirectory))")
            if let standInURL { lines.append("  Replicate: the offline stand-in at \(standInURL) (no REPLICATE_API_TOKEN given)") }
            if let admin = stack.adminURL {
                lines.append("  status page (loopback only): \(admin)/status  (Prometheus: \(admin)/metrics; fnhost status)")
                Paths.writeFile(stack.absoluteRunDirectory + "/admin-url", admin + "\n")
            }
            Paths.printToStandardError(lines.joined(separator: "\n") + "\n")
        }
        try master.run()
    }
}
