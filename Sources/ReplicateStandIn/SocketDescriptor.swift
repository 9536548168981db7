import Glibc
import Synchronization

/// One socket descriptor with exactly one owner: shut down at most once and closed exactly once.
///
/// A descriptor number is reused by the kernel the moment it is closed, so a second `shutdown` or
/// `close` of a stored number hits whatever socket the process opened since (in a shared test
/// process, another test's connection). Here the number lives under a lock and becomes -1 when
/// closed: ``shutdown()`` and ``close()`` check and act under that lock, so a second call (a
/// test's `stop()` and then `deinit`) touches nothing. It is a class, so copies share the one
/// state instead of each closing the number.
///
/// Blocking calls (`accept`, `recv`) read the number with ``number`` and run without the lock;
/// the owner wakes them with ``shutdown()`` and calls ``close()`` only once they have returned
/// (the server joins its accept thread first).
final class SocketDescriptor: Sendable {
    /// The two calls that end a descriptor; tests pass counting ones.
    struct Calls: Sendable {
        var shutdown: @Sendable (Int32) -> Void
        var close: @Sendable (Int32) -> Void

        /// The real system calls (errors ignored: nothing useful can be done about them).
        static let system = Calls(
            shutdown: { _ = Glibc.shutdown($0, Int32(SHUT_RDWR)) },
            close: { _ = Glibc.close($0) })
    }

    private struct State {
        var number: Int32
        var shutDown = false
    }

    private let state: Mutex<State>
    private let calls: Calls

    /// Takes ownership of `number` (which must be open and owned by nobody else).
    init(adopting number: Int32, calls: Calls = .system) {
        state = Mutex(State(number: number))
        self.calls = calls
    }

    deinit { close() }

    /// The descriptor while it is open, -1 after ``close()``.
    var number: Int32 { state.withLock { $0.number } }

    /// Whether ``close()`` has run.
    var isClosed: Bool { number < 0 }

    /// Shuts down both directions (waking a thread blocked in `accept` or `recv`), once, and only
    /// while the descriptor is open.
    func shutdown() {
        state.withLock { state in
            guard state.number >= 0, !state.shutDown else { return }
            state.shutDown = true
            calls.shutdown(state.number)
        }
    }

    /// Closes the descriptor the first time; later calls do nothing.
    func close() {
        state.withLock { state in
            guard state.number >= 0 else { return }
            calls.close(state.number)
            state.number = -1
        }
    }
}
