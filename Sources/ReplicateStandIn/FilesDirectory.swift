import Glibc

/// The optional `--files-dir` folder: output PNGs are written there as `<id>.png` and read back
/// when the in-memory copy is gone (after a restart).
///
/// Plain Glibc file calls, no Foundation. Failures are reported as a message for the log and
/// otherwise ignored: the in-memory PNG is what the stand-in serves first.
struct FilesDirectory: Sendable {
    /// Absolute or relative folder path.
    let path: String

    /// Creates the folder and its parents if missing (mode 0755).
    func create() -> String? {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                return "mkdir \(prefix) failed: errno \(errno)"
            }
        }
        return nil
    }

    /// Writes `bytes` to `<path>/<name>` atomically (temporary file, then rename).
    /// - Returns: nil on success, else a message for the log.
    func write(name: String, bytes: [UInt8]) -> String? {
        let target = "\(path)/\(name)"
        let temporary = "\(target).tmp\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "open \(temporary) failed: errno \(errno)" }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                return "write \(temporary) failed: errno \(code)"
            }
            offset += written
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let code = errno
            unlink(temporary)
            return "rename to \(target) failed: errno \(code)"
        }
        return nil
    }

    /// Reads `<path>/<name>` if it exists and is at most `limit` bytes (default 16 MiB).
    /// `name` must be a plain file name (no `/`, not starting with `.`).
    func read(name: String, limit: Int = 16 << 20) -> [UInt8]? {
        guard !name.contains("/"), !name.hasPrefix("."), !name.isEmpty else { return nil }
        let fd = open("\(path)/\(name)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65_536) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return count == 0 ? bytes : nil }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return nil
    }
}
