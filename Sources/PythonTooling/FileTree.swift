#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The few file-system operations the environment store needs, each throwing a
/// `PythonToolingError(.fileSystem)` that names the path.
enum FileTree {
    /// Creates `path` and its missing parents (0755).
    static func makeDirectories(_ path: String) throws(PythonToolingError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/\(component)"
            if mkdir(partial, 0o755) != 0, errno != EEXIST {
                throw PythonToolingError(.fileSystem, "cannot create the folder \(partial): \(SystemText.errno())")
            }
        }
    }

    /// Removes a file or a whole folder; a missing path is not an error, others are ignored (the
    /// callers remove leftovers and must not fail a build over them).
    static func removeTree(_ path: String) {
        guard exists(path) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// The names in a folder (empty when it cannot be read).
    static func names(in folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    }

    /// Writes `text` to `path` through a neighbouring temporary file renamed over it, so a reader
    /// sees the old content or the new one, never a part.
    static func writeAtomically(_ path: String, _ text: String) throws(PythonToolingError) {
        let temporary = "\(path).\(getpid()).tmp"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw PythonToolingError(.fileSystem, "cannot write \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = SystemText.errno()
            _ = unlink(temporary)
            throw PythonToolingError(.fileSystem, "cannot move \(temporary) to \(path): \(reason)")
        }
    }

    /// `path` with `from` replaced by `to`, keeping the file's mode; nothing happens when the file
    /// does not contain `from`.
    static func replaceInFile(_ path: String, from: [UInt8], to: [UInt8]) throws(PythonToolingError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PythonToolingError(.fileSystem, "cannot read \(path)")
        }
        guard let replaced = VenvRelocation.replacing(Array(data), from: from, to: to) else { return }
        do {
            try Data(replaced).write(to: URL(fileURLWithPath: path))
        } catch {
            throw PythonToolingError(.fileSystem, "cannot rewrite \(path): \(error)")
        }
    }

    /// A cheap fingerprint of a file's identity and last change (inode, size, modification time),
    /// nil when it does not exist.
    static func stamp(_ path: String) -> [Int]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [Int(status.st_ino), Int(status.st_size), status.st_mtim.tv_sec, status.st_mtim.tv_nsec]
    }

    /// True when `path` is a regular file (not following a symbolic link).
    static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }
}
