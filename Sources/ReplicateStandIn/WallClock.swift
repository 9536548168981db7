import FunctionRuntime
import Glibc

/// Wall-clock time as milliseconds since the Unix epoch, and the two text forms the stand-in
/// prints: ISO-8601 (`2025-01-01T12:00:00.000Z`, Replicate's `created_at`) and the HTTP
/// IMF-fixdate (`Wed, 01 Jan 2025 12:00:00 GMT`, the `Date` header).
///
/// Formatting is pure arithmetic on FunctionRuntime's `RequestTime` (days-to-civil), so it needs no
/// `gmtime` and is easy to test. Elapsed-time decisions use `ContinuousClock`, never this clock.
enum WallClock {
    /// Milliseconds since 1970-01-01T00:00:00Z from `CLOCK_REALTIME`.
    static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC (the host's own formatter).
    static func iso8601(_ milliseconds: Int64) -> String {
        RequestTime.iso8601(epochMilliseconds: milliseconds)
    }

    /// `Www, DD Mmm YYYY HH:MM:SS GMT` (RFC 9110 IMF-fixdate).
    static func httpDate(_ milliseconds: Int64) -> String {
        let days = Int(milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000)
        let second = Int(milliseconds / 1000) - days * 86_400
        let (year, month, day) = RequestTime.civilDate(daysSinceEpoch: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[(days % 7 + 7) % 7]), \(pad(day)) \(months[month - 1]) \(year) "
            + "\(pad(second / 3600)):\(pad(second / 60 % 60)):\(pad(second % 60)) GMT"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
