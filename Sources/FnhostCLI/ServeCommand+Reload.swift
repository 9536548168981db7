import FunctionHost
import FunctionRuntime

extension ServeCommand {
    /// What the master needs to reload (SIGHUP, or a watched file changed): the catalog read again,
    /// nginx's configuration written for it (with the same settings as at start), and the Python
    /// environment of a function whose requirements changed built first (`fnhost deps`).
    func reloadHooks(stack: StackOptions, options: HostOptions, python: PythonWorkers) -> ReloadHooks {
        let directory = functions.directory
        return ReloadHooks(
            loadCatalog: { try FunctionCatalog.load(directory: directory) },
            writeNginxConfiguration: { catalog in
                let page = try stack.pageSource(options: options).map { try stack.nginxFacing.publishPage(directory: $0.directory, func2url: $0.func2url) }
                try NginxSetup(runDirectory: stack.nginxFacing.path).prepare(
                    configuration: try stack.nginxConfiguration(catalog: catalog, options: options, page: .some(page)))
            },
            preparation: python.preparation)
    }
}
