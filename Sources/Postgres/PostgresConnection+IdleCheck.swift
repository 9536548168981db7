import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

extension PostgresConnection {
    /// Whether an open connection's link is still alive as far as this end can tell without sending
    /// anything: one `poll` with no wait on its socket. Something waiting there on an idle
    /// connection is the end of it (the server's goodbye and end of file after a restart or a
    /// terminated session, a reset, or the keep-alive's verdict on a peer gone silent, see
    /// ``PostgresLiveness``) or a stray notice; libpq reads it, and says whether the link survived.
    ///
    /// ``healthyHandle()`` asks before every statement, so a link that died while idle is replaced
    /// before a statement is sent on it: the statement runs on a new session instead of failing
    /// (a link that dies once a statement was sent still fails that statement, which may have run).
    static func linkLooksAlive(_ handle: OpaquePointer) -> Bool {
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, 0)
        guard ready > 0 else { return ready == 0 || errno == EINTR }
        return PQconsumeInput(handle) == 1 && PQstatus(handle) == CONNECTION_OK
    }
}
