import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

extension PostgresConnection {
    /// Whether an open connection's link is still usable as far as this end can tell without sending
    /// anything: one `poll` with no wait on its socket.
    ///
    /// A server says nothing to an idle client except goodbye: a terminated session, a shutdown or
    /// an idle-session timeout sends one error message and then closes the socket, and a reset or
    /// the keep-alive's verdict on a silent peer (see ``PostgresLiveness``) makes the socket
    /// readable too. The goodbye can arrive a moment before the end of file, when libpq would still
    /// call the link healthy, so anything waiting on an idle link counts as the end of it. The
    /// cost of being wrong (a rare stray message) is one reconnect.
    ///
    /// ``healthyHandle()`` asks before every statement, so a link that died while idle is replaced
    /// before a statement is sent on it: the statement runs on a new session instead of failing
    /// (a link that dies once a statement was sent still fails that statement, which may have run).
    static func linkLooksAlive(_ handle: OpaquePointer) -> Bool {
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, 0)
        if ready == 0 { return true }
        return ready < 0 && errno == EINTR
    }
}
