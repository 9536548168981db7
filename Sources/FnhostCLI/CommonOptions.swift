import ArgumentParser
import FnhostProject
import FunctionRuntime

/// Options every command that reads the project's functions shares: `--functions DIR`, or a whole
/// poehali.dev export with `--project DIR` (see ``ProjectLayout``), and `--env-file FILE`.
struct FunctionsOptions: ParsableArguments {
    @Option(name: .customLong("functions"), help: "The folder with func2url.json and one folder per function (default: functions).")
    var functionsDirectory: String?

    @Option(
        name: .customLong("project"),
        help: "A poehali.dev export: functions from DIR/backend, migrations from DIR/db_migrations, variables from DIR/.env.")
    var project: String?

    @Option(
        name: .customLong("env-file"),
        help: "A dotenv file whose variables the functions get (default with --project: DIR/.env when it exists); the shell's win.")
    var environmentFile: String?

    func validate() throws {
        _ = try layout
    }

    /// Where the functions, migrations and variables are (paths made absolute in project mode).
    var layout: ProjectLayout {
        get throws {
            do {
                return try ProjectLayout(
                    project: project.map(Paths.absolute), functions: functionsDirectory, environmentFile: environmentFile.map(Paths.absolute))
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The functions folder.
    var directory: String { (try? layout.functionsDirectory) ?? functionsDirectory ?? ProjectLayout.defaultFunctionsDirectory }

    /// Sets the environment file's variables in this process (the shell's win); nil when there is
    /// no file. Names only are reported, never values.
    func loadEnvironment() throws -> ProjectEnvironment.Loaded? {
        try ProjectEnvironment.load(try layout)
    }

    func catalog() throws -> FunctionCatalog {
        if let project, FileBytes.read(directory + "/func2url.json") == nil {
            throw ValidationError("--project \(project) has no \(ProjectLayout.backendFolder)/func2url.json (is it a poehali.dev export?)")
        }
        do {
            return try FunctionCatalog.load(directory: directory)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The spec and the compiled handler of one function.
    func function(named name: String) throws -> (FunctionSpec, FunctionRegistry.Factory) {
        let catalog = try catalog()
        guard let spec = catalog.function(matching: name) else {
            throw ValidationError(
                "No function \"\(name)\" in \(directory)/func2url.json (known: \(catalog.functions.map(\.name).joined(separator: ", ")))")
        }
        guard let factory = FnhostMain.registry.factory(for: spec.name) else {
            throw ValidationError("Function \"\(spec.name)\" is listed but this fnhost binary has no handler compiled for it")
        }
        return (spec, factory)
    }
}

/// The edge switches of `serve`, `worker`, `invoke` and `test`.
struct EdgeFlags: ParsableArguments {
    @Flag(name: .customLong("no-header-rewrites"), help: "Pass Authorization and Cookie through and send X-Set-Cookie as it is (poehali.dev rewrites them).")
    var noHeaderRewrites = false

    @Flag(name: .customLong("drop-cookie-domain"), help: "Drop Domain= from cookies set through X-Set-Cookie, so browsers keep them on localhost.")
    var dropCookieDomain = false

    var options: EdgeOptions {
        EdgeOptions(rewriteAuthorizationAndCookies: !noHeaderRewrites, dropCookieDomain: dropCookieDomain)
    }
}
