import Glibc

/// Wall-clock time as milliseconds since the Unix epoch, and the two text forms the stand-in
/// prints: ISO-8601 (`2025-01-01T12:00:00.000Z`, Replicate's `created_at`) and the HTTP
/// IMF-fixdate (`Wed, 01 Jan 2025 12:00:00 GMT`, the `Date` header).
///
/// Formatting is pure arithmetic (Howard Hinnant's days-to-civil algorithm), so it needs no
/// `gmtime` and is easy to test. Elapsed-time decisions use `ContinuousClock`, never this clock.
enum WallClock {
    /// Milliseconds since 1970-01-01T00:00:00Z from `CLOCK_REALTIME`.
    static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC.
    static func iso8601(_ milliseconds: Int64) -> String {
        let parts = components(milliseconds)
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T"
            + "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(parts.millisecond, 3))Z"
    }

    /// `Www, DD Mmm YYYY HH:MM:SS GMT` (RFC 9110 IMF-fixdate).
    static func httpDate(_ milliseconds: Int64) -> String {
        let parts = components(milliseconds)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[Int(((parts.days % 7) + 7) % 7)]
        return "\(weekday), \(pad(parts.day, 2)) \(months[parts.month - 1]) \(pad(parts.year, 4)) "
            + "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)) GMT"
    }

    private struct Components {
        var days: Int64, year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int
    }

    private static func components(_ milliseconds: Int64) -> Components {
        let msPerDay: Int64 = 86_400_000
        var days = milliseconds / msPerDay
        var rest = milliseconds % msPerDay
        if rest < 0 {
            rest += msPerDay
            days -= 1
        }
        // Civil date from days since the epoch (Hinnant, "chrono-compatible low-level date algorithms").
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Components(
            days: days, year: Int(year), month: Int(month), day: Int(day),
            hour: Int(rest / 3_600_000), minute: Int(rest / 60_000 % 60), second: Int(rest / 1000 % 60),
            millisecond: Int(rest % 1000))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
