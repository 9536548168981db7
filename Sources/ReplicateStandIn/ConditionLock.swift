import Glibc

/// A value guarded by a pthread mutex, with one condition variable to wait on for changes.
///
/// `Synchronization.Mutex` has no condition variable, and the webhook engine's threads must
/// sleep until either work is due or someone changes the queue, so this wraps
/// `pthread_mutex_t` + `pthread_cond_t` (the condition on `CLOCK_MONOTONIC`, so a wall-clock step
/// never stretches or cuts a timed wait). The state is only reachable inside the lock, which is
/// what makes the `@unchecked Sendable` sound: the two C objects live at stable heap addresses,
/// and every read or write of `state` happens with the mutex held.
///
/// Waiting is spelled as a loop the lock runs for you: ``withLock(waitingWhile:)`` calls the body
/// with the lock held; the body either finishes (`.done`) or asks to sleep until a deadline or a
/// ``broadcast()`` (`.wait`), after which it is called again with fresh access to the state.
final class ConditionLock<State>: @unchecked Sendable {
    /// What a body passed to ``withLock(waitingWhile:)`` decided.
    enum Step<Result> {
        /// Leave the lock and return this.
        case done(Result)
        /// Release the lock until ``broadcast()`` or `until` (nil: no deadline), then call the body again.
        /// Wake-ups may be spurious: the body re-checks the state every time.
        case wait(until: ContinuousClock.Instant?)
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var state: State

    init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Runs `body` with the lock held until it answers `.done`, sleeping between calls as it asks.
    func withLock<Result>(waitingWhile body: (inout State) -> Step<Result>) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            switch body(&state) {
            case let .done(result):
                return result
            case .wait(until: nil):
                pthread_cond_wait(condition, mutex)
            case let .wait(until: deadline?):
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { continue }
                var wake = timespec()
                clock_gettime(CLOCK_MONOTONIC, &wake)
                let (seconds, attoseconds) = remaining.components
                let nanoseconds = Int(wake.tv_nsec) + Int(attoseconds / 1_000_000_000)
                wake.tv_sec += Int(min(seconds, 86_400)) + nanoseconds / 1_000_000_000
                wake.tv_nsec = nanoseconds % 1_000_000_000
                _ = pthread_cond_timedwait(condition, mutex, &wake)
            }
        }
    }

    /// Wakes every thread waiting in ``withLock(waitingWhile:)``. Call after changing the state
    /// (with or without the lock held).
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
