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
    @OptionGroup var cluster: ClusterOptions

    @Flag(name: .customLong("no-nginx"), help: "Run only the host; nginx (or another FastCGI client) is started separately.")
    var noNginx = false

    @Flag(name: .customLong("no-timers"), help: "Do not fire timer triggers on their schedules (fnhost trigger still fires them by hand).")
    var noTimers = false

    @Flag(name: .customLong("replicate-standin"), help: "Also run the offline Replicate stand-in (next to this binary) and point REPLICATE_BASE_URL and REPLICATE_API_TOKEN at it.")
    var replicateStandIn = false

    @Option(name: .customLong("python-envs"), help: "Where Python functions' virtual environments live, one per requirements set (default <run-dir>/python/envs).")
    var pythonEnvironments: String?

    @Flag(name: .customLong("no-watch"), help: "Do not watch the functions folder: saved files are not reloaded (SIGHUP still reloads).")
    var noWatch = false

    @Option(name: .customLong("standin-delay-ms"), help: "With --replicate-standin: milliseconds each prediction spends starting and then processing.")
    var standInDelayMilliseconds: Int = 1500

    @Option(
        name: .customLong("restart-guard-ms"),
        help: "nginx or the stand-in dying sooner than this many milliseconds after its start stops the host instead of being restarted (a bad configuration would die again at once); 0 restarts every death (default 2000).")
    var restartGuardMilliseconds: Int?

    func validate() throws {
        if let restartGuardMilliseconds, !(0...86_400_000).contains(restartGuardMilliseconds) {
            throw ValidationError("--restart-guard-ms must be from 0 to 86400000 (a day)")
        }
    }

    func run() throws {
        let environment = try functions.loadEnvironment()
        let layout = try functions.layout
        let stack = try self.stack.resolved(for: layout)
        let catalog = try functions.catalog()
        try WorkerPrograms.requireRunnable(catalog, registry: FnhostMain.registry)
        if let problem = ShippedFunctions.storageProblem(
            catalog: catalog, registry: FnhostMain.registry, environment: ProcessEnvironment.current)
        {
            throw ValidationError(problem)
        }
        var options = stack.hostOptions(functionsDirectory: functions.directory, edge: edge.options)
        let python = try PythonWorkers.start(
            catalog: catalog, environments: Paths.absolute(pythonEnvironments ?? stack.absoluteRunDirectory + "/python/envs"),
            host: options.executable)
        options.workerPrograms[.python] = python.program
        // The admin socket also answers the public health endpoint, so it exists whenever nginx runs.
        options.admin = !noNginx
        // The try-on queue section reads the shipped functions' table: not for a project without them.
        let servesCompiledFunctions = catalog.functions.contains { FnhostMain.registry.factory(for: $0.name) != nil }
        options.statusProviders = !layout.isProject || servesCompiledFunctions ? FnhostMain.statusProviders : []
        options.timers = !noTimers
        if let restartGuardMilliseconds { options.policy.companionStartupNanoseconds = UInt64(restartGuardMilliseconds) * 1_000_000 }
        options.watch = !noWatch
        options.reload = reloadHooks(stack: stack, options: options, python: python)
        try Paths.makeDirectory(stack.absoluteRunDirectory)
        try stack.nginxFacing.prepare()
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
                    stopSignal: SIGTERM, stopsWhenIdle: true))
        }
        // Checked before the project's start, which would otherwise start an embedded database.
        if cluster.cluster { _ = try ClusterOptions.sharedDatabaseURL() }
        let project = try ProjectStartup.prepare(
            layout: layout, catalog: catalog, stateDirectory: stack.absoluteRunDirectory, environment: environment)
        try cluster.apply(to: &options)
        // Functions' calls to https://functions.poehali.dev/<uuid>: to this host's TLS port.
        let platform = noNginx ? nil : try PlatformRouting(stack: stack)
        try platform?.prepare()
        let platformNotes = platform?.exportEnvironment() ?? []
        if !noNginx {
            try Paths.requireReachableByNginxWorkers(stack.absoluteResultsDirectory, purpose: "the stored images in")
            let page = try stack.pageSource(options: options).map {
                try stack.nginxFacing.publishPage(directory: $0.directory, func2url: $0.func2url)
            }
            let nginx = NginxSetup(runDirectory: stack.nginxFacing.path)
            try nginx.prepare(configuration: try stack.nginxConfiguration(catalog: catalog, options: options, page: .some(page)))
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
            lines.append("  health: \(stack.baseURL)/_fnhost/health (host \(options.hostName); 503 from the first moment of a drain)")
            if cluster.cluster {
                lines.append("  cluster: timers fire on the leader elected in DATABASE_URL; result images in PostgreSQL; public URL \(ProcessEnvironment.current["FNHOST_BASE_URL"] ?? stack.baseURL); drain notice \(options.drainNoticeSeconds) s")
            }
            if let standInURL { lines.append("  Replicate: the offline stand-in at \(standInURL) (no REPLICATE_API_TOKEN given)") }
            if let admin = stack.adminURL {
                lines.append("  status page (loopback only): \(admin)/status  (Prometheus: \(admin)/metrics; fnhost status)")
                Paths.writeFile(stack.absoluteRunDirectory + "/admin-url", admin + "\n")
            }
            Paths.printToStandardError((lines + project.bannerLines).joined(separator: "\n") + "\n")
        } else if !project.bannerLines.isEmpty {
            Paths.printToStandardError(project.bannerLines.joined(separator: "\n") + "\n")
        }
        if !project.noticeLines.isEmpty { Paths.printToStandardError(project.noticeLines.joined(separator: "\n") + "\n") }
        try master.run()
        // Sockets that only moved out for their path's length leave nothing behind (rmdir: only when empty).
        let facing = stack.nginxFacing
        if let outside = facing.outside, !facing.isRelocated {
            rmdir(facing.socketDirectory)
            if rmdir(outside) == 0 || access(outside, F_OK) != 0 { unlink(facing.runDirectory + "/" + NginxFacingFolder.recordName) }
        }
    }
}
