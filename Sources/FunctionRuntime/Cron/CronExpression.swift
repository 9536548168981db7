/// The schedule of a timer trigger (`function.json`: `{"type": "timer", "cron": "*/5 * * * * *"}`): a cron
/// expression with a seconds field, as Yandex Cloud Functions timer triggers and Azure's NCRONTAB take it.
///
/// A pure value: it parses the text once and answers "when next?" for a given instant, in UTC. There is no
/// clock inside, so the host decides what "now" is and tests need no waiting.
///
/// Fields, in order: `second minute hour day-of-month month day-of-week`. Five fields are classic cron
/// (`minute hour day-of-month month day-of-week`) and fire at second 0. Each field is a comma-separated list
/// of items:
///
/// - `*`: every value; `?` means the same and is accepted, alone, in day-of-month and day-of-week only.
/// - `a`: one value; `a-b`: an inclusive range (`5-2` is refused rather than wrapped).
/// - `*/n`, `a/n` (from `a` to the field's maximum), `a-b/n`: every n-th value from the start. A step wider
///   than the range is fine; only the start fires.
/// - Months may be written `JAN`-`DEC` and weekdays `SUN`-`SAT`, in any case.
///
/// Ranges: second 0-59, minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-7 where both 0
/// and 7 are Sunday. In day-of-week, `*` and the open end of `a/n` run to 6, so `1/2` is Monday, Wednesday,
/// Friday and Sunday is not counted twice.
///
/// Days follow classic cron: when both day-of-month and day-of-week are restricted (written as anything but
/// `*` or `?`), a day fires if either matches (`0 0 0 1 * MON` is the 1st and every Monday); when one of
/// them is `*` or `?`, only the other one restricts. Unlike Vixie cron, `*/2` counts as restricted: only the
/// bare `*` and `?` mean "any day".
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as parsed: its fields joined by one space, without leading or trailing whitespace.
    /// Two expressions are equal when they are written the same way.
    public let text: String

    let seconds: CronValueSet
    let minutes: CronValueSet
    let hours: CronValueSet
    let daysOfMonth: CronValueSet
    let months: CronValueSet
    /// Sunday is 0; a written 7 is stored as 0.
    let daysOfWeek: CronValueSet
    /// False when day-of-month was written `*` or `?`.
    let daysOfMonthRestricted: Bool
    /// False when day-of-week was written `*` or `?`.
    let daysOfWeekRestricted: Bool

    /// Longer input is refused before it is looked at, so a hostile `function.json` costs nothing.
    static let maximumLength = 200

    /// Parses 6 fields `second minute hour day-of-month month day-of-week`, or 5 fields (classic cron;
    /// the seconds field is then 0).
    ///
    /// Fields are separated by any runs of spaces and tabs (CR and LF count too); leading and trailing ones
    /// are ignored. Errors name the field and what is wrong with it: `minute field "61": 61 is outside 0-59`.
    public init(parsing text: String) throws(CronError) {
        let length = text.utf8.count
        guard length <= Self.maximumLength else {
            throw CronError(
                reason: "cron expression is \(length) bytes long; at most \(Self.maximumLength) are accepted")
        }
        let fields = Self.splitFields(Array(text.utf8))
        let kinds: [CronFieldKind]
        switch fields.count {
        case 6: kinds = [.second, .minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        case 5: kinds = [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        default:
            throw CronError(
                reason: "cron expression has \(fields.count) field\(fields.count == 1 ? "" : "s"); expected 6 "
                    + "(second minute hour day-of-month month day-of-week) or 5 (minute hour day-of-month month day-of-week)")
        }
        var sets: [CronFieldKind: CronValueSet] = [.second: CronValueSet(single: 0)]
        var restricted: [CronFieldKind: Bool] = [:]
        for (kind, field) in zip(kinds, fields) {
            let parsed = try kind.parse(field)
            sets[kind] = parsed.values
            restricted[kind] = parsed.restricted
        }
        // Every kind was filled above; the fallbacks only keep this free of force unwraps.
        self.text = fields.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        self.seconds = sets[.second] ?? CronValueSet(single: 0)
        self.minutes = sets[.minute] ?? CronValueSet(single: 0)
        self.hours = sets[.hour] ?? CronValueSet(single: 0)
        self.daysOfMonth = sets[.dayOfMonth] ?? CronValueSet(single: 1)
        self.months = sets[.month] ?? CronValueSet(single: 1)
        self.daysOfWeek = sets[.dayOfWeek] ?? CronValueSet(single: 0)
        self.daysOfMonthRestricted = restricted[.dayOfMonth] ?? false
        self.daysOfWeekRestricted = restricted[.dayOfWeek] ?? false
    }

    public var description: String { text }

    /// Splits on runs of spaces and tabs (and CR and LF, so a trailing newline from a file is harmless),
    /// dropping empty pieces, so leading and trailing whitespace vanishes.
    static func splitFields(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(whereSeparator: { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 })
    }

    // MARK: - Next fire time

    /// How far ahead `nextFire` looks: five years of 366 days, so a date that comes back at least every four
    /// years (Feb 29, outside the century years that skip it) is always found.
    static let searchWindowSeconds: Int64 = 5 * 366 * 86_400

    /// Instants `nextFire` accepts and answers with: about ±35 million years around 1970, far from any
    /// overflow. Outside it the answer is nil, and a fire time past its end is not given either, so every
    /// answer can be asked about again (a chain of fires never stops at a value it cannot continue from).
    /// Negative instants (before 1970) are fine; the calendar is proleptic Gregorian.
    static let supportedInstants: ClosedRange<Int64> = -(1 << 50)...(1 << 50)

    /// Loop guard; a search takes at most a few thousand steps (months are skipped whole, days one by one
    /// only in months that match).
    static let maximumSearchSteps = 100_000

    /// The first fire time strictly after `epochSeconds` (Unix seconds, UTC), or nil when there is none
    /// within the next 5 years (e.g. "0 0 0 30 2 *").
    ///
    /// "Five years" is `5 × 366` days after `epochSeconds`. So Feb 29 is found from any instant except in
    /// the eight-year gaps around century years that are not leap (after 2096-02-29 the next one is
    /// 2104-02-29, and the answer is nil). Instants outside ±2⁵⁰ seconds also give nil, and so does a fire
    /// time that would be past +2⁵⁰.
    public func nextFire(after epochSeconds: Int64) -> Int64? {
        guard Self.supportedInstants.contains(epochSeconds) else { return nil }
        let start = epochSeconds + 1
        let limit = epochSeconds + Self.searchWindowSeconds
        let startDays = CivilDate.floorDivide(start, 86_400)
        let secondOfDay = start - startDays * 86_400
        var date = CivilDate(days: startDays)
        var hour = Int(secondOfDay / 3_600)
        var minute = Int(secondOfDay % 3_600 / 60)
        var second = Int(secondOfDay % 60)
        let lastYear = CivilDate(days: CivilDate.floorDivide(limit, 86_400)).year

        /// Moves to midnight of the next day.
        func nextDay() {
            date = date.nextDay
            hour = 0
            minute = 0
            second = 0
        }

        for _ in 0..<Self.maximumSearchSteps {
            if date.year > lastYear { return nil }
            guard months.contains(date.month) else {
                // Skip the whole month: to the next month in the set, this year or the next.
                if let month = months.first(atLeast: date.month + 1), month <= 12 {
                    date = CivilDate(year: date.year, month: month, day: 1)
                } else {
                    date = CivilDate(year: date.year + 1, month: months.first(atLeast: 1) ?? 1, day: 1)
                }
                hour = 0
                minute = 0
                second = 0
                continue
            }
            guard dayMatches(date) else {
                nextDay()
                continue
            }
            guard let nextHour = hours.first(atLeast: hour), nextHour <= 23 else {
                nextDay()
                continue
            }
            if nextHour != hour {
                hour = nextHour
                minute = 0
                second = 0
            }
            guard let nextMinute = minutes.first(atLeast: minute), nextMinute <= 59 else {
                hour += 1
                minute = 0
                second = 0
                if hour > 23 { nextDay() }
                continue
            }
            if nextMinute != minute {
                minute = nextMinute
                second = 0
            }
            guard let nextSecond = seconds.first(atLeast: second), nextSecond <= 59 else {
                minute += 1
                second = 0
                if minute > 59 {
                    minute = 0
                    hour += 1
                    if hour > 23 { nextDay() }
                }
                continue
            }
            second = nextSecond
            let fire = date.daysSinceEpoch * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
            return fire <= limit && fire <= Self.supportedInstants.upperBound ? fire : nil
        }
        return nil
    }

    /// Classic cron's day rule: either field when both are restricted, otherwise the restricted one.
    func dayMatches(_ date: CivilDate) -> Bool {
        switch (daysOfMonthRestricted, daysOfWeekRestricted) {
        case (true, true): daysOfMonth.contains(date.day) || daysOfWeek.contains(date.weekday)
        case (true, false): daysOfMonth.contains(date.day)
        case (false, true): daysOfWeek.contains(date.weekday)
        case (false, false): true
        }
    }
}

/// A cron expression that cannot be used, and why: the field, its text and the problem, such as
/// `minute field "61": 61 is outside 0-59`.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

// MARK: - Fields

/// The values a field allows, as bits 0-63 (every field's values fit).
struct CronValueSet: Sendable, Equatable {
    var bits: UInt64 = 0

    init() {}

    init(single value: Int) {
        insert(value)
    }

    mutating func insert(_ value: Int) {
        guard (0..<64).contains(value) else { return }
        bits |= 1 << UInt64(value)
    }

    func contains(_ value: Int) -> Bool {
        (0..<64).contains(value) && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest value in the set that is `value` or more.
    func first(atLeast value: Int) -> Int? {
        guard value < 64 else { return nil }
        let masked = value <= 0 ? bits : bits & ~((1 << UInt64(value)) - 1)
        return masked == 0 ? nil : masked.trailingZeroBitCount
    }

    /// The values in ascending order (for tests and diagnostics).
    var values: [Int] { (0..<64).filter { contains($0) } }
}

/// Which of the six fields; knows its name, range and names for values.
enum CronFieldKind: Hashable, Sendable {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// Values that may be written.
    var range: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Where `*` and the open end of `a/n` stop: the range's end, except day-of-week's 6 (Saturday), so that
    /// Sunday is not counted twice.
    var openEnd: Int { self == .dayOfWeek ? 6 : range.upperBound }

    /// Three-letter names, upper case, and the value of the first.
    var names: (list: [String], firstValue: Int)? {
        switch self {
        case .month: (["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
        case .dayOfWeek: (["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 0)
        default: nil
        }
    }

    var allowsQuestionMark: Bool { self == .dayOfMonth || self == .dayOfWeek }

    /// Parses one field's text into its set; `restricted` is false for a bare `*` or `?`.
    func parse(_ field: ArraySlice<UInt8>) throws(CronError) -> (values: CronValueSet, restricted: Bool) {
        let fieldText = String(decoding: field, as: UTF8.self)
        func failure(_ problem: String) -> CronError {
            CronError(reason: "\(name) field \"\(fieldText)\": \(problem)")
        }
        guard !field.isEmpty else { throw failure("is empty") }
        if field.elementsEqual("?".utf8) {
            guard allowsQuestionMark else {
                throw failure("\"?\" is allowed only in day-of-month and day-of-week; use \"*\"")
            }
            return (fill(range.lowerBound, openEnd, step: 1), false)
        }
        if field.elementsEqual("*".utf8) {
            return (fill(range.lowerBound, openEnd, step: 1), false)
        }
        var values = CronValueSet()
        for item in field.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            values.bits |= try parseItem(item, failure).bits
        }
        if self == .dayOfWeek, values.contains(7) {
            values.bits &= ~(1 << 7)
            values.insert(0)
        }
        return (values, true)
    }

    /// One list item: `*`, `a`, `a-b`, each optionally followed by `/n`.
    private func parseItem(_ item: ArraySlice<UInt8>, _ failure: (String) -> CronError) throws(CronError) -> CronValueSet {
        let itemText = String(decoding: item, as: UTF8.self)
        guard !item.isEmpty else { throw failure("has an empty list item") }
        let slashParts = item.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard slashParts.count <= 2, let base = slashParts.first else {
            throw failure("\"\(itemText)\" has more than one \"/\"")
        }
        var step = 1
        if slashParts.count == 2, let stepText = slashParts.last {
            guard !stepText.isEmpty else { throw failure("\"\(itemText)\" has no step after \"/\"") }
            guard let value = Self.decimal(stepText) else {
                throw failure("step \"\(String(decoding: stepText, as: UTF8.self))\" is not a positive whole number")
            }
            guard value > 0 else { throw failure("step 0 in \"\(itemText)\" must be at least 1") }
            step = value
        }
        guard !base.isEmpty else { throw failure("\"\(itemText)\" has nothing before \"/\"") }
        if base.elementsEqual("*".utf8) {
            return fill(range.lowerBound, openEnd, step: step)
        }
        if base.elementsEqual("?".utf8) {
            throw failure(
                allowsQuestionMark
                    ? "\"?\" must stand alone as the whole field" : "\"?\" is allowed only in day-of-month and day-of-week; use \"*\"")
        }
        let dashParts = base.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard dashParts.count <= 2, let lowText = dashParts.first, let highText = dashParts.last else {
            throw failure("\"\(itemText)\" has more than one \"-\"")
        }
        if dashParts.count == 2 && lowText.isEmpty {
            throw failure("\"\(itemText)\" has no range start (negative numbers are not allowed)")
        }
        let low = try value(lowText, failure)
        if dashParts.count == 2 {
            guard !highText.isEmpty else { throw failure("\"\(itemText)\" has no range end") }
            let high = try value(highText, failure)
            guard low <= high else {
                throw failure("range \(low)-\(high) is reversed; write the smaller value first")
            }
            return fill(low, high, step: step)
        }
        // `a/n` runs to the field's end; a lone `a` is itself.
        return slashParts.count == 2 ? fill(low, max(low, openEnd), step: step) : fill(low, low, step: 1)
    }

    /// A number or (in month and day-of-week) a name, checked against the field's range.
    private func value(_ token: ArraySlice<UInt8>, _ failure: (String) -> CronError) throws(CronError) -> Int {
        let tokenText = String(decoding: token, as: UTF8.self)
        if let number = Self.decimal(token) {
            guard range.contains(number) else {
                // Print the digits as written: a saturated value would misquote a long number.
                throw failure("\(tokenText) is outside \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        if token.first.map(Self.isLetter) == true {
            guard let names else {
                throw failure("\"\(tokenText)\" is not a number (\(range.lowerBound)-\(range.upperBound))")
            }
            let upper = String(decoding: token.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }, as: UTF8.self)
            guard let index = names.list.firstIndex(of: upper) else {
                let first = names.list.first ?? ""
                let last = names.list.last ?? ""
                throw failure(
                    "unknown name \"\(tokenText)\" (use \(range.lowerBound)-\(range.upperBound) or \(first)-\(last))")
            }
            return names.firstValue + index
        }
        throw failure("\"\(tokenText)\" is not a number (\(range.lowerBound)-\(range.upperBound))")
    }

    /// Every `step`-th value from `low` to `high`.
    private func fill(_ low: Int, _ high: Int, step: Int) -> CronValueSet {
        var set = CronValueSet()
        var value = low
        while value <= high {
            set.insert(value)
            let (next, overflow) = value.addingReportingOverflow(step)
            if overflow { break }
            value = next
        }
        return set
    }

    /// A run of ASCII digits as a number; runs longer than 9 digits saturate at 1_000_000_000 (out of every
    /// field's range, and as a step it just means "only the start"). Nil for anything but digits.
    static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = min(value * 10 + Int(byte - 48), 1_000_000_000)
        }
        return value
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }
}

// MARK: - Calendar

/// A proleptic Gregorian date in UTC, converted to and from days since 1970-01-01 with Howard Hinnant's
/// days-from-civil algorithms (exact for every year, leap rules included: 2000 is leap, 2100 is not).
struct CivilDate: Sendable, Equatable {
    var year: Int64
    /// 1-12.
    var month: Int
    /// 1-31.
    var day: Int

    init(year: Int64, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (before it when negative).
    init(days: Int64) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = Self.floorDivide(shifted, 146_097)  // 400-year eras
        let dayOfEra = shifted - era * 146_097  // 0...146_096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365, from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March ... 11 = February
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.month = Int(month)
        self.day = Int(day)
    }

    /// Days since 1970-01-01.
    var daysSinceEpoch: Int64 {
        let month = Int64(month)
        let year = month <= 2 ? self.year - 1 : self.year  // years start on March 1
        let era = Self.floorDivide(year, 400)
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday (4).
    var weekday: Int { Int(Self.floorModulo(daysSinceEpoch + 4, 7)) }

    static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The following day, across month and year ends.
    var nextDay: CivilDate {
        if day < Self.daysInMonth(year: year, month: month) { return CivilDate(year: year, month: month, day: day + 1) }
        if month < 12 { return CivilDate(year: year, month: month + 1, day: 1) }
        return CivilDate(year: year + 1, month: 1, day: 1)
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        value - floorDivide(value, divisor) * divisor
    }
}
