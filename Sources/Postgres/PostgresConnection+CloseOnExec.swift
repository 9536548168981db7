import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

extension PostgresConnection {
    /// Makes sure the session's socket is close-on-exec, so no process spawned later inherits it.
    ///
    /// libpq sets `FD_CLOEXEC` itself right after `socket()` (fe-connect.c, every version we
    /// build against, 15 on Debian 12), and it offers no hook to create the socket with
    /// `SOCK_CLOEXEC`; this check keeps the rule if a libpq ever stops doing so.
    static func ensureCloseOnExec(_ handle: OpaquePointer) {
        let socket = PQsocket(handle)
        guard socket >= 0 else { return }
        let flags = fcntl(socket, F_GETFD)
        if flags >= 0, flags & FD_CLOEXEC == 0 { _ = fcntl(socket, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// The session's socket, or `nil` when not connected (for tests).
    var socketDescriptor: Int32? {
        guard let handle = currentHandle else { return nil }
        let socket = PQsocket(handle)
        return socket >= 0 ? socket : nil
    }
}
