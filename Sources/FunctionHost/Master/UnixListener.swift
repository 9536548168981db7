#if canImport(Glibc)
import Glibc
#endif
import CHostSupport

/// A listening unix stream socket for nginx to connect to: non-blocking (the master polls it),
/// close-on-exec (children must not inherit it), mode 0660 and, when `group` is given, that group
/// (nginx's workers'), so that only the host's user and nginx's workers can connect. The mode and
/// group are set with `fchmodat`/`fchownat` and `AT_SYMLINK_NOFOLLOW`: never through a symlink.
///
/// A class, so that exactly one owner closes the descriptor, once: `close()` forgets the number.
final class UnixListener {
    private(set) var descriptor: Int32
    let path: String
    /// The socket file's identity, so `close` never removes a file another host bound since.
    let device: UInt64
    let inode: UInt64

    /// `sun_path` holds 107 bytes and a NUL.
    static let maxPathBytes = 107

    /// The socket file's permission bits.
    static let mode: mode_t = 0o660

    /// - Parameter group: the group to give the socket file, nil to keep the host's.
    init(path: String, group: gid_t? = nil, backlog: Int32 = 1024) throws(SystemCallError) {
        guard path.utf8.count <= Self.maxPathBytes else {
            throw SystemCallError("bind \(path) (path longer than \(Self.maxPathBytes) bytes)", errno: ENAMETOOLONG)
        }
        let descriptor = try systemCall("socket") {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        unlink(path)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        do {
            try systemCall("bind \(path)") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            if let group {
                try systemCall("chown \(path)") { fchownat(AT_FDCWD, path, uid_t.max, group, AT_SYMLINK_NOFOLLOW) }
            }
            try systemCall("chmod \(path)") { fchmodat(AT_FDCWD, path, Self.mode, AT_SYMLINK_NOFOLLOW) }
            try systemCall("listen \(path)") { listen(descriptor, backlog) }
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        var status = stat()
        stat(path, &status)
        self.descriptor = descriptor
        self.path = path
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
    }

    /// The next waiting connection (blocking I/O, close-on-exec), or nil when none is waiting.
    func accept() throws(SystemCallError) -> Int32? {
        let listener = descriptor
        return try nonBlockingCall("accept \(path)", { fh_accept_cloexec(listener) })
    }

    /// Closes the socket and removes its file, unless the file is no longer ours. A second call
    /// does nothing.
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
        var status = stat()
        if stat(path, &status) == 0, UInt64(status.st_dev) == device, UInt64(status.st_ino) == inode {
            unlink(path)
        }
    }
}
