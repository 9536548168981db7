#if canImport(Glibc)
import Glibc
#endif
import CHostSupport

/// The signals a supervising process (the master, the front) handles in its loop, read from a
/// signalfd instead of through handlers: SIGCHLD, SIGTERM, SIGINT, SIGQUIT and SIGHUP.
enum SignalFeed {
    /// Ignores SIGPIPE (a write to a closed connection fails with EPIPE instead of killing the
    /// process; children get the default back, as `ProcessSpawner` resets it), blocks the handled
    /// signals and returns a close-on-exec signalfd that reads them. They arrive through it whatever
    /// disposition the process inherited: a signal ignored by a parent (a shell's background job
    /// ignores SIGINT and SIGQUIT) would be discarded rather than queued, so their dispositions go
    /// back to the default first. The caller owns the descriptor.
    static func open() throws(SystemCallError) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP] { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        for handled in [SIGTERM, SIGINT, SIGQUIT, SIGHUP] { signal(handled, SIG_DFL) }
        return try systemCall("signalfd") { fh_signalfd_open(&blocked) }
    }
}
