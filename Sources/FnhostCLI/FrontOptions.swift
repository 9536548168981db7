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

    @Option(name: .customLong("connect-timeout"), help: "Front: seconds to connect to a host before trying the next one.")
    var connectTimeout: Int = 2

    @Option(name: .customLong("read-timeout"), help: "Front: seconds between two reads of a host's answer (above the longest function timeout).")
    var readTimeout: Int = 3660

    @Option(name: .customLong("max-fails"), help: "Front: failed attempts within --fail-timeout that take a host out for --fail-timeout (0: never).")
    var maxFails: Int = 3

    @Option(name: .customLong("fail-timeout"), help: "Front: seconds of the passive health check's window and time out.")
    var failTimeout: Int = 10

    func validate() throws {
        guard (1...600).contains(connectTimeout) else { throw ValidationError("--connect-timeout must be 1 to 600 seconds, got \(connectTimeout)") }
        guard (1...86_400).contains(readTimeout) else { throw ValidationError("--read-timeout must be 1 to 86400 seconds, got \(readTimeout)") }
        guard (0...100).contains(maxFails) else { throw ValidationError("--max-fails must be 0 to 100, got \(maxFails)") }
        guard (1...3600).contains(failTimeout) else { throw ValidationError("--fail-timeout must be 1 to 3600 seconds, got \(failTimeout)") }
        if let upstream { _ = try Self.hosts(upstream) }
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
    func configuration(
        listen: String, workerProcesses: String, keepalive: Int?, page: (directory: String, func2url: String)?
    ) throws -> FrontConfiguration {
        var configuration = FrontConfiguration(listen: listen, hosts: try hosts())
        configuration.workerProcesses = workerProcesses
        configuration.user = NginxSetup.workerUser
        if let keepalive {
            guard keepalive >= 0 else { throw ValidationError("--upstream-keepalive must be 0 or more, got \(keepalive)") }
            configuration.keepalive = keepalive
        }
        configuration.connectTimeoutSeconds = connectTimeout
        configuration.readTimeoutSeconds = readTimeout
        configuration.maxFails = maxFails
        configuration.failTimeoutSeconds = failTimeout
        configuration.page = page
        return configuration
    }

    /// `--page-dir` and the func2url.json beside it, as absolute paths (nil without `--page-dir`).
    /// - Parameter defaultFunctions: the folder whose func2url.json is served when `--func2url` is not given.
    func page(directory: String?, defaultFunctions: String) -> (directory: String, func2url: String)? {
        guard let directory else { return nil }
        return (Paths.absolute(directory), Paths.absolute(func2url ?? defaultFunctions + "/func2url.json"))
    }

    /// The template's text from `nginxDirectory`.
    static func template(nginxDirectory: String) throws -> String {
        let path = nginxDirectory + "/front.conf.template"
        guard let bytes = FileBytes.read(path) else { throw ValidationError("Cannot read \(path) (is --nginx-dir right?)") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
