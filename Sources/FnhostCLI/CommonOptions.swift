import ArgumentParser
import FunctionRuntime

/// Options every command that reads the project's functions shares.
struct FunctionsOptions: ParsableArguments {
    @Option(name: .customLong("functions"), help: "The folder with func2url.json and one folder per function.")
    var directory: String = "functions"

    func catalog() throws -> FunctionCatalog {
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
