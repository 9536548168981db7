import ArgumentParser
import FunctionHost
import FunctionRuntime

/// What `fnhost front` and `fnhost nginx-config --front` share: the hosts, the file served as
/// `/func2url.json`, and the front's timeouts and passive health check. One place builds the
/// ``FrontConfiguration`` from them, so both commands render the same text for the same options.
struct FrontOptions: ParsableArguments {
    @Option(
        name: .customLong("upstream"),
        help: "The fnhost serve hosts behind the front, ADDR:PORT,ADDR:PORT,... (IPv6 in brackets).")
    var upstream: String?

    @Option(
        name: .customLong("func2url"),
        help: "With --page-dir: the func2url.json served as /func2url.json (default: functions/func2url.json).")
    var func2url: String?

    @Option(name: .customLong("connect-timeout"), help: "Front: seconds to connect to a host before trying the next one (default 2).")
    var connectTimeout: Int?

    @Option(name: .customLong("read-timeout"), help: "Front: seconds between two reads of a host's answer, above the longest function timeout (default 3660).")
    var readTimeout: Int?

    @Option(name: .customLong("max-fails"), help: "Front: failed attempts within --fail-timeout that take a host out for --fail-timeout (default 3; 0: never).")
    var maxFails: Int?

    @Option(name: .customLong("fail-timeout"), help: "Front: seconds of the passive health check's window and time out (default 10).")
    var failTimeout: Int?

    func validate() throws {
        if let connectTimeout, !(1...600).contains(connectTimeout) {
            throw ValidationError("--connect-timeout must be 1 to 600 seconds, got \(connectTimeout)")
        }
        if let readTimeout, !(1...86_400).contains(readTimeout) {
            throw ValidationError("--read-timeout must be 1 to 86400 seconds, got \(readTimeout)")
        }
        if let maxFails, !(0...100).contains(maxFails) { throw ValidationError("--max-fails must be 0 to 100, got \(maxFails)") }
        if let failTimeout, !(1...3600).contains(failTimeout) {
            throw ValidationError("--fail-timeout must be 1 to 3600 seconds, got \(failTimeout)")
        }
        if let upstream { _ = try Self.hosts(upstream) }
    }

    /// The options given, by name: `nginx-config` refuses them without `--front`.
    var given: [String] {
        [
            ("--upstream", upstream != nil), ("--func2url", func2url != nil), ("--connect-timeout", connectTimeout != nil),
            ("--read-timeout", readTimeout != nil), ("--max-fails", maxFails != nil), ("--fail-timeout", failTimeout != nil),
        ].filter(\.1).map(\.0)
    }

    /// The `--upstream` list; an error naming the option when it is missing, or the bad entry.
    func hosts() throws -> [UpstreamAddress] {
        guard let upstream else { throw ValidationError("--upstream is required: the hosts behind the front, ADDR:PORT,ADDR:PORT,...") }
        return try Self.hosts(upstream)
    }

    private static func hosts(_ text: String) throws -> [UpstreamAddress] {
        do {
            return try UpstreamAddress.list(text)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// nginx's `listen` value for `--host` and `--port`: an IPv6 address goes in brackets.
    static func listen(host: String, port: Int) throws -> String {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535, got \(port)") }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        do {
            return try UpstreamAddress(parsing: "\(bracketed):\(port)").description
        } catch {
            throw ValidationError("--host \"\(host)\" is not an address to listen on: \(error.problem)")
        }
    }

    /// The front's configuration: every knob from these options and the command's own.
    /// - Parameter page: the page folder and the func2url.json nginx serves (absolute), or nil.
    /// - Parameter catalog: the hosts' functions, whose timeouts bound how long a GET waits (``catalog(_:)``).
    func configuration(
        listen: String, workerProcesses: String, keepalive: Int?, page: (directory: String, func2url: String)?,
        catalog: FunctionCatalog?
    ) throws -> FrontConfiguration {
        var configuration = FrontConfiguration(listen: listen, hosts: try hosts())
        if let catalog {
            configuration.functions = catalog.functions
            // The hosts' stored images, as `serve` sets them up (the results function answers for
            // an image a host's folder lacks).
            let results = ShippedFunctions.resultsFallback(catalog: catalog, registry: FnhostMain.registry)
            configuration.staticPrefixes = [(StackOptions.resultsPrefix, results.flatMap { catalog.function(named: $0.function) })]
        }
        configuration.workerProcesses = workerProcesses
        configuration.user = NginxSetup.workerUser
        if let keepalive {
            guard keepalive >= 0 else { throw ValidationError("--upstream-keepalive must be 0 or more, got \(keepalive)") }
            configuration.keepalive = keepalive
        }
        if let connectTimeout { configuration.connectTimeoutSeconds = connectTimeout }
        if let readTimeout { configuration.readTimeoutSeconds = readTimeout }
        if let maxFails { configuration.maxFails = maxFails }
        if let failTimeout { configuration.failTimeoutSeconds = failTimeout }
        configuration.page = page
        return configuration
    }

    /// `--page-dir` and the func2url.json beside it, as absolute paths (nil without `--page-dir`).
    /// - Parameter defaultFunctions: the folder whose func2url.json is served when `--func2url` is not given.
    /// - Throws: when `--func2url` is given without `--page-dir` (nothing would serve it).
    func page(directory: String?, defaultFunctions: String) throws -> (directory: String, func2url: String)? {
        guard let directory else {
            if func2url != nil { throw ValidationError("--func2url goes with --page-dir (the front serves it beside the page)") }
            return nil
        }
        return (Paths.absolute(directory), Paths.absolute(func2url ?? defaultFunctions + "/func2url.json"))
    }

    /// The functions the hosts serve, as the front learns them: from `--functions` or `--project` when
    /// given (an error when they cannot be read), else from `functions/` when it has a func2url.json
    /// (the front started in the project's checkout), else none.
    static func catalog(_ options: FunctionsOptions) throws -> FunctionCatalog? {
        let named = options.functionsDirectory != nil || options.project != nil
        guard named || FileBytes.read(options.directory + "/func2url.json") != nil else { return nil }
        return try options.catalog()
    }

    /// The template's text from `nginxDirectory`.
    static func template(nginxDirectory: String) throws -> String {
        let path = nginxDirectory + "/front.conf.template"
        guard let bytes = FileBytes.read(path) else { throw ValidationError("Cannot read \(path) (is --nginx-dir right?)") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
