#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock and monotonic time in the units the runtime uses.
public enum Clock {
    /// Milliseconds since the Unix epoch (wall clock).
    public static func epochMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Monotonic nanoseconds, for durations and deadlines that must not jump with the wall clock.
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
