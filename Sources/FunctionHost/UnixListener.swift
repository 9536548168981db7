#if canImport(Glibc)
import Glibc
#endif

/// A listening unix stream socket for nginx to connect to: non-blocking (the master polls it),
/// close-on-exec (children must not inherit it), and world-writable so that nginx workers running
/// as another user can connect.
struct UnixListener {
    let descriptor: Int32
    let path: String
    /// The socket file's identity, so `close` never removes a file another host bound since.
    let device: UInt64
    let inode: UInt64

    /// `sun_path` holds 107 bytes and a NUL.
    static let maxPathBytes = 107

    init(path: String, backlog: Int32 = 1024) throws(SystemCallError) {
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
            try systemCall("chmod \(path)") { chmod(path, 0o666) }
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
        // The master is single-threaded, so nothing can spawn between accept and FD_CLOEXEC.
        guard let connection = try nonBlockingCall("accept \(path)", { Glibc.accept(descriptor, nil, nil) }) else {
            return nil
        }
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        return connection
    }

    /// Closes the socket and removes its file, unless the file is no longer ours.
    func close() {
        Glibc.close(descriptor)
        var status = stat()
        if stat(path, &status) == 0, UInt64(status.st_dev) == device, UInt64(status.st_ino) == inode {
            unlink(path)
        }
    }
}
