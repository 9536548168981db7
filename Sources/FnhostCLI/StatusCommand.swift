import ArgumentParser
import FnhostProject
import FunctionHost
import FunctionRuntime
import HTTPClient

/// Where a running host's admin endpoint is: `--admin-url`, else the file `serve` wrote in the run folder.
struct AdminOptions: ParsableArguments {
    @Option(name: .customLong("admin-url"), help: "The host's admin URL (default: from <run-dir>/admin-url, written by fnhost serve).")
    var adminURL: String?

    @Option(name: .customLong("run-dir"), help: "The run folder fnhost serve was given (default .run; with --project, <fnhost checkout>/.run).")
    var runDirectoryOption: String?

    @Option(name: .customLong("project"), help: "The poehali.dev export fnhost serve --project runs (its run folder is found from it).")
    var project: String?

    /// Where `serve` wrote `admin-url`: the run folder, or the project's own folder under it.
    var runDirectory: String {
        get throws {
            guard let project else { return runDirectoryOption ?? ".run" }
            let layout = try ProjectLayout(project: Paths.absolute(project), functions: nil, environmentFile: nil)
            let base = try runDirectoryOption
                ?? FnhostCheckout.required(for: "--project", instead: "pass --run-dir as given to fnhost serve").runDirectory
            return layout.stateDirectory(runDirectory: Paths.absolute(base))
        }
    }

    func resolved() throws -> String {
        if let adminURL { return adminURL }
        let runDirectory = try runDirectory
        guard let bytes = FileBytes.read(runDirectory + "/admin-url") else {
            throw CLIError(.hostUnreachable, "No running host found (\(runDirectory)/admin-url is missing): start fnhost serve, or pass --admin-url")
        }
        return String(decoding: bytes, as: UTF8.self).trimmedASCIIWhitespace
    }

    func send(_ method: String, _ path: String) throws -> HTTPClientResponse {
        let base = try resolved()
        do {
            return try HTTPClient().send(HTTPClientRequest(method: method, url: base + path, timeoutMilliseconds: 5000))
        } catch {
            throw CLIError(.hostUnreachable, "The host at \(base) did not answer: \(error.message)")
        }
    }
}

/// `fnhost status`: the status page of a running host, as a table (or its JSON).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a running host's pools, counters, timers and task queue.")

    @OptionGroup var admin: AdminOptions
    @Flag(help: "Print the JSON instead of a table.") var json = false

    func run() throws {
        let response = try admin.send("GET", "/status")
        guard response.status == 200, let status = try? JSONValue.parse(response.body) else {
            throw CLIError(.hostUnreachable, "The status page answered \(response.status)")
        }
        print(json ? status.encoded() : StatusReport.table(status))
    }
}
