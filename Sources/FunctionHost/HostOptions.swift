#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// How `fnhost serve` runs: where the functions and sockets are, and the edge switches.
public struct HostOptions: Sendable {
    /// The folder with `func2url.json` and one folder per function.
    public var functionsDirectory: String
    /// Where the per-function unix sockets go (`<name>.sock`); nginx connects to them. Paths must
    /// fit in 107 bytes.
    public var socketDirectory: String
    /// The group the sockets are given (nginx's workers' group when the host runs as root), nil to
    /// leave the host's own. Sockets are mode 0660 either way: only the host's user and this group
    /// may connect. Default nil.
    public var socketGroup: gid_t?
    /// The edge's behaviour, passed on to every worker.
    public var edge: EdgeOptions
    public var policy: SupervisionPolicy
    /// The executable workers run (`<it> worker ...`). Default: this process's own binary.
    public var executable: String
    /// Whether timer triggers fire on their schedules. Default true; off, they can still be fired by
    /// hand (`fnhost trigger`).
    public var timers: Bool = true
    /// Whether the master serves its status page and trigger control (`<socketDirectory>/.admin.sock`,
    /// which nginx exposes on a loopback-only port). Default true.
    public var admin: Bool = true
    /// Sections the status page adds from the functions' own numbers (the task queue).
    public var statusProviders: [StatusProvider] = []
    /// Whether the master watches the functions folder and reloads what changed (a function's
    /// code: its pool rolls; its `requirements.txt`: its environment is built first; `func2url.json`
    /// or a `function.json`: the configuration is read again). Default false (`serve` turns it on
    /// unless `--no-watch`).
    public var watch: Bool = false
    /// What a reload needs from the outside (reading the catalog, nginx's configuration, building
    /// environments). Nil: SIGHUP and file changes only roll pools with the configuration as it was.
    public var reload: ReloadHooks?

    /// This host's name on its status page, in its metrics (`host` label), its health answer and its
    /// timer-leader log lines. Default: the machine's host name.
    public var hostName: String = HostOptions.machineName()
    /// Seconds a stopping host keeps serving while its health endpoint already answers 503, so that
    /// a balancer probing it takes it out before it stops listening. Default 0 (stop at once; a
    /// single host has no balancer to tell).
    public var drainNoticeSeconds: Double = 0
    /// The cluster's timer election (one host fires each tick); nil (default): this host fires its
    /// timers alone.
    public var timerElection: TimerElectionSettings?

    /// The run folder, where the master records the companions it starts (`companions`) so that a
    /// host started after this one was killed stops exactly those. Nil: no record.
    public var runDirectory: String?

    /// The record of companions (see `CompanionRecord`).
    var companionRecordPath: String? { runDirectory.map { $0 + "/companions" } }

    /// The admin socket: a dotfile, so that no function name can collide with it.
    public var adminSocketPath: String { "\(socketDirectory)/.admin.sock" }

    public init(
        functionsDirectory: String, socketDirectory: String, edge: EdgeOptions = .platform,
        policy: SupervisionPolicy = SupervisionPolicy(), executable: String? = nil
    ) {
        self.functionsDirectory = functionsDirectory
        self.socketDirectory = socketDirectory
        self.edge = edge
        self.policy = policy
        self.executable = executable ?? ProcessSpawner.currentExecutable()
    }

    /// The machine's host name (`gethostname`), `fnhost` when it has none.
    public static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "fnhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "fnhost" : name
    }

    /// The socket of one function.
    public func socketPath(for function: String) -> String {
        "\(socketDirectory)/\(function).sock"
    }

    /// How workers of functions in other languages start: for each language, the program and the
    /// arguments that come before the shared ones (`worker --functions DIR --function NAME` and the
    /// edge switches). Python's is `[fnhost-python, worker, --environment, <venv>]`, set by the CLI.
    /// A language without an entry runs `executable worker` (compiled Swift functions).
    public var workerPrograms: [FunctionLanguage: @Sendable (FunctionSpec) -> [String]] = [:]

    /// The command line that starts a worker of `spec`.
    func workerArguments(for spec: FunctionSpec) -> [String] {
        var arguments = workerPrograms[spec.language]?(spec) ?? [executable, "worker"]
        arguments += ["--functions", functionsDirectory, "--function", spec.name]
        if !edge.rewriteAuthorizationAndCookies { arguments.append("--no-header-rewrites") }
        if edge.dropCookieDomain { arguments.append("--drop-cookie-domain") }
        return arguments
    }
}

/// A process the master starts next to the workers and stops last (nginx): restarted when it dies,
/// asked to stop with `stopSignal` when the host drains.
public struct CompanionProcess: Sendable {
    public var name: String
    public var arguments: [String]
    /// The signal that stops it gracefully. Default SIGQUIT (nginx: finish requests, then exit).
    public var stopSignal: Int32
    /// Stopped only once no invocation runs or waits, rather than when the drain begins: a service
    /// the invocations in flight may still call (the Replicate stand-in). Default false (nginx,
    /// which finishes the requests it has and stops taking new ones at once).
    public var stopsWhenIdle: Bool

    public init(name: String, arguments: [String], stopSignal: Int32 = 3, stopsWhenIdle: Bool = false) {
        self.name = name
        self.arguments = arguments
        self.stopSignal = stopSignal
        self.stopsWhenIdle = stopsWhenIdle
    }
}

/// The outside steps of a reload, given by the CLI.
public struct ReloadHooks: Sendable {
    /// Reads `func2url.json` and every `function.json` again.
    public var loadCatalog: @Sendable () throws -> FunctionCatalog
    /// Writes nginx's configuration for a catalog; the master then tells nginx to reload (SIGHUP).
    public var writeNginxConfiguration: @Sendable (FunctionCatalog) throws -> Void
    /// A command to run to completion before new workers of a function start (building the virtual
    /// environment of its current `requirements.txt`), or nil when nothing needs preparing.
    public var preparation: @Sendable (FunctionSpec) -> [String]?

    public init(
        loadCatalog: @escaping @Sendable () throws -> FunctionCatalog,
        writeNginxConfiguration: @escaping @Sendable (FunctionCatalog) throws -> Void,
        preparation: @escaping @Sendable (FunctionSpec) -> [String]? = { _ in nil }
    ) {
        self.loadCatalog = loadCatalog
        self.writeNginxConfiguration = writeNginxConfiguration
        self.preparation = preparation
    }
}
