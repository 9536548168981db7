#if canImport(Glibc)
import Glibc
#endif

/// Watches folder trees for changed files with inotify: the functions folder of a project, so a
/// save in a function's folder can roll that function's pool. Non-blocking and close-on-exec; the
/// master polls `descriptor` and calls `readChanges()` when it is readable. Folders created inside
/// a watched tree are watched too; dot folders, `__pycache__` and `node_modules` are not.
final class FileWatcher {
    let descriptor: Int32
    /// Watch descriptors -> their folders.
    private var folders: [Int32: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// The events that mean a file's content or presence changed.
    private static let mask: UInt32 =
        UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM) | UInt32(IN_CREATE) | UInt32(IN_DELETE)
        | UInt32(IN_ATTRIB)

    init() throws(SystemCallError) {
        descriptor = try systemCall("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC)) }
    }

    deinit { close(descriptor) }

    /// Watches `path` and every folder below it.
    func watchTree(_ path: String) {
        let watch = inotify_add_watch(descriptor, path, Self.mask | UInt32(IN_ONLYDIR))
        guard watch >= 0 else { return }
        folders[watch] = path
        guard let directory = opendir(path) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard entry.pointee.d_type == UInt8(DT_DIR), Self.isWatchable(name) else { continue }
            watchTree(path + "/" + name)
        }
    }

    static func isWatchable(_ folderName: String) -> Bool {
        !folderName.hasPrefix(".") && folderName != "__pycache__" && folderName != "node_modules"
    }

    /// The paths changed since the last call (a folder created inside a tree is watched from now on).
    func readChanges() -> [String] {
        var changed: [String] = []
        while true {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return changed }
            var offset = 0
            // struct inotify_event: int wd; uint32_t mask, cookie, len; char name[len].
            while offset + 16 <= got {
                let watch = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameBytes = buffer[(offset + 16)..<min(got, offset + 16 + length)]
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                offset += 16 + length
                if mask & UInt32(IN_IGNORED) != 0 {
                    folders[watch] = nil
                    continue
                }
                guard let folder = folders[watch] else { continue }
                let path = name.isEmpty ? folder : folder + "/" + name
                if mask & UInt32(IN_ISDIR) != 0 {
                    if mask & (UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)) != 0, Self.isWatchable(name) { watchTree(path) }
                    continue
                }
                changed.append(path)
            }
        }
    }
}
