import ArgumentParser
import FunctionRuntime

/// `fnhost trigger NAME [TRIGGER]`: fires a function's timer now, through the running host's pool.
struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Fire a function's timer trigger now (through the running host).")

    @Argument(help: "The function (name or uuid).") var function: String
    @Argument(help: "The trigger's name (default: the function's first timer).") var trigger: String?
    @OptionGroup var admin: AdminOptions

    func run() throws {
        let path = "/trigger/\(function)" + (trigger.map { "/\($0)" } ?? "")
        let response = try admin.send("POST", path)
        print(String(decoding: response.body, as: UTF8.self))
        if response.status >= 400 { throw ExitCode(1) }
    }
}
