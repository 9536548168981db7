#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Where a Python function's code and environment are, and how its outgoing calls to the
/// platform's host reach this host.
public struct PythonFunctionSettings: Sendable {
    /// The function's name (its `func2url.json` key).
    public var function: String
    /// The function's folder (`backend/<name>`): the working folder and first on `sys.path`.
    public var folder: String
    /// The export's `backend/` folder, importable too (one export imports from a sibling folder).
    public var projectFunctions: String
    /// The virtual environment's folder (`<envs>/<key>`): ready once `.fnhost-ready` exists in it;
    /// `<folder>.failed` says why its build failed.
    public var environment: String
    /// Host names whose HTTPS calls go to this host instead (default `functions.poehali.dev`).
    public var platformHosts: [String]
    /// `127.0.0.1:PORT` of this host's TLS server for those names, or nil to leave calls alone.
    /// Default: `FNHOST_PLATFORM_ADDRESS`, which `fnhost serve` sets for its workers.
    public var platformAddress: String?

    public init(
        function: String, folder: String, projectFunctions: String, environment: String,
        platformHosts: [String] = ["functions.poehali.dev"],
        platformAddress: String? = getenv("FNHOST_PLATFORM_ADDRESS").map { String(cString: $0) }
    ) {
        self.function = function
        self.folder = folder
        self.projectFunctions = projectFunctions
        self.environment = environment
        self.platformHosts = platformHosts
        self.platformAddress = platformAddress.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The environment's state, from its folder alone (the layout `PythonEnvironmentStore` writes).
    func environmentStatus() -> EnvironmentStatus {
        if access(environment + "/.fnhost-ready", F_OK) == 0 { return .ready }
        if let bytes = FileBytes.read(environment + ".failed") { return .failed(String(decoding: bytes, as: UTF8.self)) }
        return .missing
    }

    enum EnvironmentStatus { case ready, failed(String), missing }

    /// The settings the runtime module's `configure` reads.
    func runtimeJSON() -> [UInt8] {
        var text = JSONText(capacity: 512)
        text.add("function", function)
        text.add("folder", folder)
        text.add("projectFunctions", projectFunctions)
        text.add("platformHosts", .array(platformHosts.map(JSONValue.string)))
        if let platformAddress { text.add("platformAddress", platformAddress) }
        return Array(text.finish().utf8)
    }
}
