import Glibc

/// Starts plain POSIX threads running a Swift closure.
///
/// Foundation's `Thread` is off limits (the library depends on the toolchain only), so this is
/// the one place that talks to `pthread_create`. The closure travels through the C `void *`
/// argument as a retained ``ThreadBody``; the new thread takes the retain back and releases it
/// when the closure returns. Threads use the default stack size (8 MiB on Debian, virtual).
enum ThreadLauncher {
    /// Starts a detached thread: nobody joins it; it ends when `body` returns.
    static func detach(_ body: @escaping @Sendable () -> Void) throws {
        let thread = try spawn(body)
        pthread_detach(thread)
    }

    /// Starts a joinable thread; the caller must pass the handle to ``join(_:)`` exactly once.
    static func spawn(_ body: @escaping @Sendable () -> Void) throws -> pthread_t {
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let body = Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue()
            body.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            throw StandInError(code: .thread, message: "pthread_create failed", errnoValue: result)
        }
        return thread
    }

    /// Waits for a thread started with ``spawn(_:)`` to finish.
    static func join(_ thread: pthread_t) {
        _ = pthread_join(thread, nil)
    }

    /// Sleeps about `milliseconds`, in slices of at most 20 ms, returning early once
    /// `shouldStop` answers true (so a hang fault never delays server shutdown by more than a slice).
    static func sleep(milliseconds: Int, shouldStop: () -> Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(milliseconds))
        while !shouldStop() {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return }
            let slice = min(remaining, .milliseconds(20))
            let (seconds, attoseconds) = slice.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            var rest = timespec()
            _ = nanosleep(&request, &rest)
        }
    }
}

/// The closure a new thread runs. Immutable and holding only a `@Sendable` closure, so it is
/// `Sendable` without any unchecked escape hatch.
final class ThreadBody: Sendable {
    let run: @Sendable () -> Void

    init(_ run: @escaping @Sendable () -> Void) {
        self.run = run
    }
}
