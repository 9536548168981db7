/// Request timestamps in the platform's formats.
public enum RequestTime {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Common Log Format in UTC with English month names: `01/Jan/2025:12:00:00 +0000`.
    public static func commonLogFormat(epochSeconds: Int) -> String {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = epochSeconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var text = Digits()
        text.two(day)
        text.byte("/")
        text.bytes(months[month - 1])
        text.byte("/")
        text.year(year)
        text.byte(":")
        text.clock(secondsOfDay)
        text.bytes(" +0000")
        return text.string
    }

    /// ISO 8601 in UTC with milliseconds (`2025-01-01T12:00:00.000Z`), for log lines.
    public static func iso8601(epochMilliseconds: Int64) -> String {
        let millis = Int(epochMilliseconds % 1000)
        let seconds = Int(epochMilliseconds / 1000)
        let days = seconds / 86_400
        let secondsOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var text = Digits()
        text.year(year)
        text.byte("-")
        text.two(month)
        text.byte("-")
        text.two(day)
        text.byte("T")
        text.clock(secondsOfDay)
        text.byte(".")
        text.two(millis / 10)
        text.byte(UInt8(ascii: "0") + UInt8(millis % 10))
        text.byte("Z")
        return text.string
    }

    /// A timestamp's text as bytes: these run for every request and every log line, where string
    /// interpolation cost thousands of instructions per call.
    private struct Digits {
        var buffer: [UInt8] = []

        init() { buffer.reserveCapacity(32) }

        mutating func byte(_ character: Unicode.Scalar) { buffer.append(UInt8(ascii: character)) }
        mutating func byte(_ value: UInt8) { buffer.append(value) }
        mutating func bytes(_ text: String) { buffer.append(contentsOf: text.utf8) }

        /// Two digits (00-99; hundreds are dropped).
        mutating func two(_ value: Int) {
            buffer.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
            buffer.append(UInt8(ascii: "0") + UInt8(value % 10))
        }

        /// At least four digits; other years as Swift prints them.
        mutating func year(_ value: Int) {
            guard (0...9999).contains(value) else { return bytes(String(value)) }
            two(value / 100)
            two(value % 100)
        }

        /// `HH:MM:SS` of a second of the day.
        mutating func clock(_ secondsOfDay: Int) {
            two(secondsOfDay / 3600)
            byte(":")
            two(secondsOfDay / 60 % 60)
            byte(":")
            two(secondsOfDay % 60)
        }

        var string: String { String(decoding: buffer, as: UTF8.self) }
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    public static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Request ids: lower-case UUIDs, as the platform sends them.
public enum RequestID {
    public static func make() -> String {
        UUIDText.random()
    }

    /// The id nginx made for a request (`$request_id`: 32 hex digits) in UUID form; a value that
    /// already is a UUID is kept (lower-cased); anything else gives nil.
    public static func fromNginx(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        if bytes.count == 36 { return UUIDText.isValid(value) ? value.lowercased() : nil }
        guard bytes.count == 32 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            let lower = byte >= 65 && byte <= 70 ? byte + 32 : byte
            guard (lower >= 48 && lower <= 57) || (lower >= 97 && lower <= 102) else { return nil }
            if index == 8 || index == 12 || index == 16 || index == 20 { output.append(UInt8(ascii: "-")) }
            output.append(lower)
        }
        return String(decoding: output, as: UTF8.self)
    }
}
