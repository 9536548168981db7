import FnhostProject

extension StackOptions {
    /// The options with project mode's defaults filled in: the run folder becomes the project's own
    /// (`<run dir>/projects/<slug>`, run dir defaulting to the checkout's `.run`), nginx's files come
    /// from the checkout, and no page is served unless `--page-dir` names one. Unchanged outside
    /// project mode.
    /// - Throws: when a default is needed and there is no fnhost checkout above the executable.
    func resolved(for layout: ProjectLayout) throws(ProjectError) -> StackOptions {
        guard layout.isProject else { return self }
        var resolved = self
        var checkout: FnhostCheckout?
        if runDirectory == nil || nginxDirectory == nil {
            checkout = try FnhostCheckout.required(for: "--project", instead: "pass --run-dir and --nginx-dir")
        }
        let base = Paths.absolute(runDirectory ?? checkout?.runDirectory ?? ".run")
        resolved.runDirectory = layout.stateDirectory(runDirectory: base)
        resolved.nginxDirectory = nginxDirectory ?? checkout?.nginxDirectory
        resolved.servesDefaultPage = false
        return resolved
    }
}
