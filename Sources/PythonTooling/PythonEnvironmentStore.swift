#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Where Python functions' virtual environments live: one per distinct requirements set, shared by
/// every function (and every host run) with the same set, keyed by the set's content and the Python
/// version. A function without `requirements.txt` gets the environment of the empty set.
///
/// Layout under `root`:
/// - `<key>/`: a virtual environment (`bin/python3`, `lib/python3.X/site-packages`), complete once
///   `<key>/.fnhost-ready` exists (written last);
/// - `<key>.failed`: why the last build of that set failed (the failing requirement and pip's error),
///   what a function with that set answers with (502) until its requirements change or a build
///   succeeds;
/// - `pip-cache/`: pip's download and wheel cache, shared by all builds.
public struct PythonEnvironmentStore: Sendable {
    /// The folder holding the environments (`<run dir>/python/envs` under `fnhost serve`).
    public var root: String
    /// The base interpreter the environments are made from: the one whose libpython the workers
    /// embed (`/usr/bin/python3.11` on Debian 12; `FNHOST_PYTHON` overrides it).
    public var python: String

    /// A relative `root` is taken from the current folder (environments name their own absolute
    /// path, so the store needs one).
    public init(root: String, python: String = PythonEnvironmentStore.defaultPython()) {
        self.root = Self.absolute(root)
        self.python = python
    }

    /// What a function's environment is now.
    public enum Status: Sendable, Equatable {
        /// Built: the environment's folder.
        case ready(path: String)
        /// The last build failed: the message the function answers with.
        case failed(message: String)
        /// Not built yet.
        case missing
    }

    /// The requirements file of a function folder, or nil when it has none.
    public static func requirementsPath(functionFolder: String) -> String? {
        let path = functionFolder + "/requirements.txt"
        return access(path, R_OK) == 0 ? path : nil
    }

    /// The environment key of a function folder: its requirements set's key.
    public func key(functionFolder: String) -> String {
        let bytes = Self.requirementsPath(functionFolder: functionFolder).flatMap(FileBytes.read) ?? []
        return key(requirements: bytes)
    }

    /// The key of a requirements set: 16 hex digits hashed from the normalized set and the
    /// interpreter's path, so the same set on the same Python shares one environment.
    public func key(requirements: [UInt8]) -> String {
        key(of: RequirementsSet(text: String(decoding: requirements, as: UTF8.self)))
    }

    /// The key of an already parsed requirements set.
    public func key(of requirements: RequirementsSet) -> String {
        RequirementsSet.digest(python + "\n" + requirements.normalized)
    }

    /// The folder of the environment with `key`.
    public func path(key: String) -> String { "\(root)/\(key)" }

    /// The build-failure record of `key`.
    public func failurePath(key: String) -> String { "\(root)/\(key).failed" }

    /// pip's shared cache.
    public var pipCache: String { root + "/pip-cache" }

    /// The state of the environment with `key`.
    public func status(key: String) -> Status {
        let folder = path(key: key)
        if access(folder + "/.fnhost-ready", F_OK) == 0 { return .ready(path: folder) }
        if let bytes = FileBytes.read(failurePath(key: key)) {
            return .failed(message: String(decoding: bytes, as: UTF8.self))
        }
        return .missing
    }

    /// `path` from the current folder when it is relative, without trailing slashes.
    static func absolute(_ path: String) -> String {
        var result = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: 4096)
            if getcwd(&buffer, buffer.count) != nil {
                let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                result = path == "." ? cwd : cwd + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
            }
        }
        while result.count > 1, result.hasSuffix("/") { result.removeLast() }
        return result
    }

    /// `FNHOST_PYTHON`, else the Debian interpreter that matches the embedded libpython
    /// (`/usr/bin/python3.11`), else `python3` on PATH.
    public static func defaultPython() -> String {
        if let configured = getenv("FNHOST_PYTHON").map({ String(cString: $0) }), !configured.isEmpty {
            return configured
        }
        for candidate in ["/usr/bin/python3.11", "/usr/local/bin/python3.11"] where access(candidate, X_OK) == 0 {
            return candidate
        }
        return "/usr/bin/python3"
    }
}
