#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// The Python files of a function folder, for source scans: every `*.py` under it, at most
/// `maximumDepth` folders deep, skipping hidden folders, `__pycache__`, `node_modules` and virtual
/// environments (`venv`, `.venv`, `site-packages`), in a stable (sorted) order.
public enum PythonSourceFiles {
    /// How many folder levels below the function folder are searched. Default 6.
    public static let maximumDepth = 6

    static let skippedFolders: Set<String> = ["__pycache__", "node_modules", "venv", "env", "site-packages"]

    /// The paths of the `.py` files under `folder` (empty when it cannot be read).
    public static func list(_ folder: String) -> [String] {
        var result: [String] = []
        collect(folder, depth: 0, into: &result)
        return result.sorted()
    }

    /// Scans every Python file under `folder`; unreadable files are skipped.
    public static func scan(_ folder: String) -> [(file: String, scan: EnvironmentVariableScan)] {
        list(folder).compactMap { path in
            guard let bytes = FileBytes.read(path) else { return nil }
            return (path, EnvironmentVariableScan(source: String(decoding: bytes, as: UTF8.self)))
        }
    }

    private static func collect(_ folder: String, depth: Int, into result: inout [String]) {
        guard depth <= maximumDepth, let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != "..", !name.hasPrefix(".") else { continue }
            let path = folder + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            if status.st_mode & S_IFMT == S_IFDIR {
                if !skippedFolders.contains(name) { collect(path, depth: depth + 1, into: &result) }
            } else if status.st_mode & S_IFMT == S_IFREG, name.hasSuffix(".py") {
                result.append(path)
            }
        }
    }
}
