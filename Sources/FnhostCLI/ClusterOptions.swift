#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionHost
import FunctionRuntime

/// `serve`'s options for running as one of several hosts behind a front (see docs/cluster.md).
struct ClusterOptions: ParsableArguments {
    @Flag(help: "Run as one host of a cluster on the shared DATABASE_URL: timers fire on one leader host only, result images are stored in PostgreSQL and served by every host, and a stop gives notice (--drain-notice) before it stops listening.")
    var cluster = false

    @Option(name: .customLong("host-name"), help: "This host's name on its status page, metrics (host label), health answer and logs (letters, digits, '.', '_', '-'; default: the machine's host name).")
    var hostName: String?

    @Option(name: .customLong("public-url"), help: "The URL clients reach the functions at (the front's, in a cluster): calls between functions, timer-started chains and result image URLs go there (sets FNHOST_BASE_URL; default: this host's own http://HOST:PORT).")
    var publicURL: String?

    @Option(name: .customLong("drain-notice"), help: "Seconds a stopping host keeps serving while its health endpoint (/_fnhost/health) already answers 503, so balancers take it out first (default: 3 with --cluster, else 0).")
    var drainNotice: Double?

    /// The seconds of notice a stop gives.
    var resolvedDrainNotice: Double { drainNotice ?? (cluster ? 3 : 0) }

    func validate() throws {
        if let hostName {
            let allowed = hostName.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
            guard !hostName.isEmpty, hostName.utf8.count <= 63, allowed else {
                throw ValidationError("--host-name \(hostName): use 1 to 63 letters, digits, '.', '_' or '-'")
            }
        }
        if let publicURL {
            guard publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://"), publicURL.utf8.count > 8,
                !publicURL.contains(where: { $0 == " " || $0 == "?" || $0 == "#" })
            else {
                throw ValidationError("--public-url \(publicURL): give an http:// or https:// URL without a query, such as http://10.0.0.5:8080")
            }
        }
        if let drainNotice, !(drainNotice >= 0 && drainNotice <= 300) {
            throw ValidationError("--drain-notice \(drainNotice): give 0 to 300 seconds")
        }
    }

    /// Sets the host's name, notice and timer election; `FNHOST_BASE_URL` and, in a cluster,
    /// `STORAGE_BACKEND=postgres` for the functions. Call after `DATABASE_URL` is final (`.env`
    /// read); a cluster without it is refused, as every host must share one database.
    func apply(to options: inout HostOptions) throws {
        if let hostName { options.hostName = hostName }
        options.drainNoticeSeconds = resolvedDrainNotice
        if let publicURL {
            var base = publicURL
            while base.hasSuffix("/") { base.removeLast() }
            setenv("FNHOST_BASE_URL", base, 1)
        }
        guard cluster else { return }
        let environment = ProcessEnvironment.current
        let databaseURL = try Self.sharedDatabaseURL()
        let settings = TimerElectionSettings(
            databaseURL: databaseURL, schema: environment["MAIN_DB_SCHEMA"].flatMap { $0.isEmpty ? nil : $0 },
            hostName: options.hostName)
        if let problem = settings.problem { throw CLIError(.configuration, "--cluster: \(problem)") }
        options.timerElection = settings
        setenv("STORAGE_BACKEND", "postgres", 0)
    }

    /// `DATABASE_URL`, which a cluster's hosts must be given (never an embedded database of one host's own).
    static func sharedDatabaseURL() throws -> String {
        guard let url = ProcessEnvironment.current["DATABASE_URL"], !url.isEmpty else {
            throw CLIError(.configuration, "--cluster needs DATABASE_URL: the one PostgreSQL every host of the cluster shares (set it in the shell or the .env file)")
        }
        return url
    }
}
