#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import PythonTooling

/// Fresh environment stores for tests, each in its own folder under /tmp (so tests running in
/// parallel never share an environment), all sharing one pip cache that outlives the run.
enum TestStore {
    static let sharedPipCache = "/tmp/fnhost-pytooling-tests-pip-cache"

    static func make() throws -> PythonEnvironmentStore {
        var template = Array("/tmp/fnhost-pytooling-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw TestStoreError("mkdtemp failed: \(errno)") }
        let root = String(cString: created)
        _ = mkdir(sharedPipCache, 0o755)
        guard symlink(sharedPipCache, root + "/pip-cache") == 0 else { throw TestStoreError("symlink failed: \(errno)") }
        return PythonEnvironmentStore(root: root)
    }

    static func remove(_ store: PythonEnvironmentStore) {
        try? FileManager.default.removeItem(atPath: store.root)
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Entries of the store's root other than environments, their lock files, failure records and
    /// the pip cache: leftovers of builds.
    static func leftovers(_ store: PythonEnvironmentStore) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.root)) ?? []
        return names.filter { name in
            name != "pip-cache" && !name.hasSuffix(".lock") && !name.hasSuffix(".failed") && name.contains(".")
        }
    }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}

struct TestStoreError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Progress lines collected from any thread.
final class ProgressLog: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    func add(_ line: String) { storage.withLock { $0.append(line) } }
}
