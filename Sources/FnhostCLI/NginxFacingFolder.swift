#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionHost
import FunctionRuntime

/// The folder with what nginx's workers read and write: the function and admin sockets
/// (`sockets/`), nginx's prefix (`nginx/`: its configuration, pid file and temp folders) and, by
/// default, the stored images it serves (`results/`).
///
/// It is the run folder itself, unless the host runs as root and nginx's workers (which then run as
/// `nobody`) cannot reach it (a clone under `/root`, or any folder of mode 0700 on the way). Then it
/// is ``outside``: `/var/lib/fnhost/run/<hash>` (``relocatedBase``; `<hash>`: 16 hex digits of the
/// FNV-1a hash of the run folder's absolute path, so one per run folder), made by root with mode
/// 0755 and recorded by the symlink `<run dir>/nginx-facing` (how `make clean` finds it), and the web
/// page is served from a copy in it (`page/`) rather than from a folder nginx's workers cannot open.
///
/// Only the sockets move when the run folder is reachable but too long for unix socket paths: as
/// root to `sockets/` in that same outside folder; as any other user to `/tmp/fnhost-<uid>-<hash>`,
/// which is the sockets folder itself (mode 0700, refused unless it is this user's own), also
/// recorded by `<run dir>/nginx-facing`.
///
/// The sockets folder is ours from birth: `mkdir` mode 0700, then, on the open descriptor, group
/// `nogroup` (nginx's workers) and mode 0710 when root, 0700 otherwise (``OwnedDirectory``); a
/// folder someone else made first is refused.
struct NginxFacingFolder {
    /// Where relocated folders go (root only; made mode 0755 when missing).
    static let relocatedBase = "/var/lib/fnhost/run"
    /// The symlink in the run folder that records a folder outside it.
    static let recordName = "nginx-facing"

    let runDirectory: String
    /// The folder with nginx's prefix and the default results folder.
    let path: String
    /// The folder outside the run folder this run uses, nil when it needs none.
    let outside: String?
    /// The sockets folder.
    let socketDirectory: String
    /// Whether nginx's files (not only the sockets) are outside the run folder.
    var isRelocated: Bool { path != runDirectory }

    /// Socket file names added to the sockets folder are at most this long (a function's name and
    /// `.sock`), so the folder's path must leave room for them in 107 bytes.
    static let longestSocketName = 70

    /// Computes the places (no files are touched: `fnhost nginx-config` uses it too).
    init(runDirectory: String) {
        self.runDirectory = runDirectory
        let fits = (runDirectory + "/sockets/").utf8.count + Self.longestSocketName <= 107
        let root = geteuid() == 0
        let reachable = Self.nginxWorkersCanReach(runDirectory)
        let hash = Self.hash(runDirectory)
        if root, !reachable || !fits {
            outside = Self.relocatedBase + "/" + hash
        } else if !fits {
            outside = "/tmp/fnhost-\(geteuid())-" + hash
        } else {
            outside = nil
        }
        path = root && !reachable ? outside ?? runDirectory : runDirectory
        if fits || path != runDirectory {
            socketDirectory = path + "/sockets"
        } else if root, let outside {
            socketDirectory = outside + "/sockets"
        } else {
            socketDirectory = outside ?? runDirectory + "/sockets"
        }
    }

    var resultsDirectory: String { path + "/results" }
    var pageCopyDirectory: String { path + "/page" }

    /// Makes the outside folder (as root: `/var/lib/fnhost`, `/var/lib/fnhost/run` and it, each
    /// checked to be root's own and set to 0755) and records it in the run folder, then makes the
    /// sockets folder. The run folder itself must exist. Without `sockets` (the front has none),
    /// only a relocated nginx folder is made.
    func prepare(sockets: Bool = true) throws {
        if let outside, sockets || isRelocated {
            if geteuid() == 0 {
                for folder in ["/var/lib/fnhost", Self.relocatedBase, outside] {
                    try OwnedDirectory.prepare(folder, mode: 0o755)
                }
            }
            let record = runDirectory + "/" + Self.recordName
            unlink(record)
            guard symlink(outside, record) == 0 else {
                throw CLIError(.fileSystem, "Cannot record \(outside) in \(record): \(String(cString: strerror(errno)))")
            }
        }
        if sockets {
            try OwnedDirectory.prepare(socketDirectory, mode: geteuid() == 0 ? 0o710 : 0o700, group: NginxSetup.workerGroupID)
        }
    }

    /// The folder nginx serves the page from, and the `func2url.json` it serves: the originals when
    /// nginx's workers can read them, else copies in ``pageCopyDirectory`` (the files the page
    /// location serves, `func2url.json` beside them), made again at every call (start and reload).
    func publishPage(directory: String, func2url: String) throws -> (directory: String, func2url: String) {
        guard geteuid() == 0, !Self.nginxWorkersCanReach(directory) || !Self.nginxWorkersCanReach(func2url) else {
            return (directory, func2url)
        }
        let copy = pageCopyDirectory
        Paths.removeTree(copy)
        try OwnedDirectory.prepare(copy, mode: 0o755)
        for name in Self.fileNames(in: directory) where Self.isServedPageFile(name) {
            try Self.copyFile(directory + "/" + name, to: copy + "/" + name)
        }
        try Self.copyFile(func2url, to: copy + "/.func2url.json")
        return (copy, copy + "/.func2url.json")
    }

    /// The page location's pattern (`NginxConfiguration`): flat files with these extensions.
    static func isServedPageFile(_ name: String) -> Bool {
        guard !name.hasPrefix("."), let dot = name.lastIndex(of: ".") else { return false }
        return ["html", "js", "css", "svg", "png", "ico"].contains(String(name[name.index(after: dot)...]))
    }

    /// Whether nginx's workers can open `path` when the host runs as root: every folder on the way
    /// must be searchable by others (they run as `nobody`, in no group of ours). Always true as any
    /// other user (nginx's workers are then this user).
    static func nginxWorkersCanReach(_ path: String) -> Bool {
        guard geteuid() == 0 else { return true }
        var partial = ""
        for component in path.split(separator: "/").dropLast() {
            partial += "/\(component)"
            var status = stat()
            guard stat(partial, &status) == 0 else { return true }  // made later, by us, mode 0755
            if status.st_mode & 0o001 == 0 { return false }
        }
        var status = stat()
        guard stat(path, &status) == 0 else { return true }
        return status.st_mode & S_IFMT == S_IFDIR ? status.st_mode & 0o001 != 0 : status.st_mode & 0o004 != 0
    }

    /// FNV-1a of the path, 16 hex digits.
    static func hash(_ text: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func fileNames(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            guard entry.pointee.d_type == UInt8(DT_REG) else { continue }
            names.append(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        return names
    }

    /// Copies a file into a new one, mode 0644 (`O_EXCL`: never through something already there).
    private static func copyFile(_ source: String, to destination: String) throws {
        guard let bytes = FileBytes.read(source) else { throw CLIError(.fileSystem, "Cannot read \(source)") }
        let descriptor = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CLIError(.fileSystem, "Cannot create \(destination): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        _ = fchmod(descriptor, 0o644)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw CLIError(.fileSystem, "Cannot write \(destination): \(String(cString: strerror(errno)))") }
            offset += written
        }
    }
}
