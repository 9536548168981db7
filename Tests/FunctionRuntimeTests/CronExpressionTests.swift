import Foundation
import Testing

@testable import FunctionRuntime

// MARK: - Helpers independent of the code under test

/// A Gregorian calendar in UTC from Foundation: the tests' source of truth for dates (valid from 1583, where
/// Foundation's calendar stops being Julian).
let cronTestCalendar: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
    return calendar
}()

/// Unix seconds of a UTC date and time, computed by Foundation.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Int64 {
    let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    guard let date = cronTestCalendar.date(from: components) else {
        Issue.record("no date for \(components)")
        return 0
    }
    return Int64(date.timeIntervalSince1970.rounded())
}

/// A broken-down UTC time as the reference checker walks it; weekday 0 is Sunday.
struct ReferenceTime: Equatable, CustomStringConvertible {
    var year, month, day, hour, minute, second, weekday: Int

    /// From Foundation.
    init(_ epochSeconds: Int64) {
        let components = cronTestCalendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second, .weekday],
            from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
        year = components.year ?? 0
        month = components.month ?? 0
        day = components.day ?? 0
        hour = components.hour ?? 0
        minute = components.minute ?? 0
        second = components.second ?? 0
        weekday = (components.weekday ?? 1) - 1
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// To midnight of the next day.
    mutating func nextDay() {
        hour = 0
        minute = 0
        second = 0
        weekday = (weekday + 1) % 7
        day += 1
        if day > Self.daysInMonth(year, month) {
            day = 1
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
    }

    mutating func nextHour() {
        minute = 0
        second = 0
        hour += 1
        if hour == 24 { nextDay() }
    }

    mutating func nextMinute() {
        second = 0
        minute += 1
        if minute == 60 {
            minute = 59
            nextHour()
        }
    }

    mutating func nextSecond() {
        second += 1
        if second == 60 {
            second = 59
            nextMinute()
        }
    }

    var secondOfDay: Int { hour * 3600 + minute * 60 + second }

    var description: String {
        "\(year)-\(month)-\(day) \(hour):\(minute):\(second) weekday \(weekday)"
    }
}

/// An expression as the test generator meant it: for each field, the allowed values and whether it was
/// written as a bare `*`/`?`. Day-of-week is 0-6 here (a written 7 is put at 0 by the generator).
struct ReferenceSchedule {
    var second = [Bool](repeating: true, count: 60)
    var minute = [Bool](repeating: true, count: 60)
    var hour = [Bool](repeating: true, count: 24)
    var dayOfMonth = [Bool](repeating: true, count: 32)
    var month = [Bool](repeating: true, count: 13)
    var dayOfWeek = [Bool](repeating: true, count: 7)
    var dayOfMonthRestricted = false
    var dayOfWeekRestricted = false

    func dayMatches(_ time: ReferenceTime) -> Bool {
        guard month[time.month] else { return false }
        let byMonthDay = dayOfMonth[time.day]
        let byWeekday = dayOfWeek[time.weekday]
        if dayOfMonthRestricted && dayOfWeekRestricted { return byMonthDay || byWeekday }
        if dayOfMonthRestricted { return byMonthDay }
        if dayOfWeekRestricted { return byWeekday }
        return true
    }

    func matches(_ time: ReferenceTime) -> Bool {
        dayMatches(time) && hour[time.hour] && minute[time.minute] && second[time.second]
    }

    /// The first matching second in `(after, after + window]`, found by walking forward: a day that does not
    /// match is passed whole, an hour or a minute that does not match likewise, then second by second.
    func bruteForceNext(after: Int64, window: Int64) -> Int64? {
        var instant = after + 1
        var time = ReferenceTime(instant)
        let end = after + window
        while instant <= end {
            if !dayMatches(time) {
                instant += Int64(86_400 - time.secondOfDay)
                time.nextDay()
            } else if !hour[time.hour] {
                instant += Int64(3_600 - time.minute * 60 - time.second)
                time.nextHour()
            } else if !minute[time.minute] {
                instant += Int64(60 - time.second)
                time.nextMinute()
            } else if second[time.second] {
                return instant
            } else {
                instant += 1
                time.nextSecond()
            }
        }
        return nil
    }
}

/// SplitMix64: a small seeded generator, so a failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes random fields in every syntax, and what they mean, without the parser's help.
struct ExpressionGenerator {
    var random: SeededGenerator
    /// How often day-of-month, month and day-of-week are left as `*` (so that fires are near).
    var wildcardDays = 0.5

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }

    /// A value written as a number or, where the field has names, sometimes as a name in random case.
    mutating func write(_ value: Int, names: [String]?, firstNamed: Int) -> String {
        guard let names, chance(0.4), value - firstNamed >= 0, value - firstNamed < names.count else {
            return String(value)
        }
        let name = names[value - firstNamed]
        switch int(0...2) {
        case 0: return name
        case 1: return name.lowercased()
        default: return name.prefix(1) + name.dropFirst().lowercased()
        }
    }

    /// One field over `low...high` (`openEnd` is where `*` and `a/n` stop); returns its text, values and
    /// whether it is restricted.
    mutating func field(
        low: Int, high: Int, openEnd: Int, names: [String]? = nil, firstNamed: Int = 0, wildcard: Double,
        question: Bool = false
    ) -> (text: String, values: Set<Int>, restricted: Bool) {
        if chance(wildcard) {
            let text = question && chance(0.3) ? "?" : "*"
            return (text, Set(low...openEnd), false)
        }
        var texts: [String] = []
        var values = Set<Int>()
        for _ in 0..<(chance(0.7) ? 1 : int(2...3)) {
            let step = chance(0.5) ? int(1...(high - low + 3)) : int(1...4)
            switch int(0...4) {
            case 0:
                let value = int(low...high)
                texts.append(write(value, names: names, firstNamed: firstNamed))
                values.insert(value)
            case 1:
                let a = int(low...high)
                let b = int(a...high)
                texts.append(write(a, names: names, firstNamed: firstNamed) + "-" + write(b, names: names, firstNamed: firstNamed))
                values.formUnion(a...b)
            case 2:
                texts.append("*/\(step)")
                values.formUnion(stride(from: low, through: openEnd, by: step))
            case 3:
                let a = int(low...high)
                texts.append(write(a, names: names, firstNamed: firstNamed) + "/\(step)")
                values.formUnion(stride(from: a, through: max(a, openEnd), by: step))
            default:
                let a = int(low...high)
                let b = int(a...high)
                texts.append(
                    write(a, names: names, firstNamed: firstNamed) + "-" + write(b, names: names, firstNamed: firstNamed)
                        + "/\(step)")
                values.formUnion(stride(from: a, through: b, by: step))
            }
        }
        return (texts.joined(separator: ","), values, true)
    }

    /// A random expression (6 fields, or 5 now and then) and its meaning.
    mutating func expression(fixedTimeOfDay: Bool = false) -> (text: String, schedule: ReferenceSchedule) {
        var schedule = ReferenceSchedule()
        func mask(_ values: Set<Int>, count: Int) -> [Bool] { (0..<count).map { values.contains($0) } }
        var fields: [String] = []
        let fiveFields = !fixedTimeOfDay && chance(0.2)
        if fixedTimeOfDay {
            let (s, m, h) = (int(0...59), int(0...59), int(0...23))
            fields += [String(s), String(m), String(h)]
            schedule.second = mask([s], count: 60)
            schedule.minute = mask([m], count: 60)
            schedule.hour = mask([h], count: 24)
        } else {
            if fiveFields {
                schedule.second = mask([0], count: 60)
            } else {
                let second = field(low: 0, high: 59, openEnd: 59, wildcard: 0.3)
                fields.append(second.text)
                schedule.second = mask(second.values, count: 60)
            }
            let minute = field(low: 0, high: 59, openEnd: 59, wildcard: 0.3)
            let hour = field(low: 0, high: 23, openEnd: 23, wildcard: 0.4)
            fields += [minute.text, hour.text]
            schedule.minute = mask(minute.values, count: 60)
            schedule.hour = mask(hour.values, count: 24)
        }
        let dayOfMonth = field(low: 1, high: 31, openEnd: 31, wildcard: wildcardDays, question: true)
        let month = field(low: 1, high: 12, openEnd: 12, names: Self.monthNames, firstNamed: 1, wildcard: wildcardDays)
        var dayOfWeek = field(
            low: 0, high: 7, openEnd: 6, names: Self.dayNames, firstNamed: 0, wildcard: wildcardDays, question: true)
        if dayOfWeek.values.remove(7) != nil { dayOfWeek.values.insert(0) }
        fields += [dayOfMonth.text, month.text, dayOfWeek.text]
        schedule.dayOfMonth = mask(dayOfMonth.values, count: 32)
        schedule.month = mask(month.values, count: 13)
        schedule.dayOfWeek = mask(dayOfWeek.values, count: 7)
        schedule.dayOfMonthRestricted = dayOfMonth.restricted
        schedule.dayOfWeekRestricted = dayOfWeek.restricted
        return (fields.joined(separator: " "), schedule)
    }

    /// A start instant: anywhere in 1900-2150, or near a month's end, or near Feb 28 of an interesting year.
    mutating func instant() -> Int64 {
        switch int(0...2) {
        case 0:
            return Int64.random(in: utc(1900, 1, 1)...utc(2150, 1, 1), using: &random)
        case 1:
            let year = int(1900...2150)
            let month = int(1...12)
            let day = ReferenceTime.daysInMonth(year, month) - int(0...1)
            return utc(year, month, day, int(0...23), int(0...59), int(0...59))
        default:
            let year = [1900, 1999, 2000, 2023, 2024, 2025, 2099, 2100, 2104][int(0...8)]
            return utc(year, 2, 28, int(0...23), int(0...59), int(0...59))
        }
    }
}

func cronError(_ text: String) -> CronError? {
    do throws(CronError) {
        _ = try CronExpression(parsing: text)
        return nil
    } catch {
        return error
    }
}

func cronParses(_ text: String) -> CronExpression? {
    try? CronExpression(parsing: text)
}

// MARK: - Tests

/// Timer triggers' schedules: every syntax form, every refusal, next fire times by hand and against a
/// brute-force walk.
@Suite struct CronExpressionTests {
    // MARK: Syntax

    enum Field: String, CaseIterable, Sendable { case second, minute, hour, dayOfMonth, month, dayOfWeek }

    static func values(_ expression: CronExpression, _ field: Field) -> [Int] {
        switch field {
        case .second: expression.seconds.values
        case .minute: expression.minutes.values
        case .hour: expression.hours.values
        case .dayOfMonth: expression.daysOfMonth.values
        case .month: expression.months.values
        case .dayOfWeek: expression.daysOfWeek.values
        }
    }

    @Test(arguments: [
        // Every form in the minute field.
        ("0 5 * * * *", Field.minute, [5]),
        ("0 05 * * * *", .minute, [5]),
        ("0 5-8 * * * *", .minute, [5, 6, 7, 8]),
        ("0 */15 * * * *", .minute, [0, 15, 30, 45]),
        ("0 10/20 * * * *", .minute, [10, 30, 50]),
        ("0 10-30/10 * * * *", .minute, [10, 20, 30]),
        ("0 10-35/10 * * * *", .minute, [10, 20, 30]),
        ("0 1,2,5-7,50-59/4 * * * *", .minute, [1, 2, 5, 6, 7, 50, 54, 58]),
        ("0 7,7,7 * * * *", .minute, [7]),
        ("0 0/100 * * * *", .minute, [0]),
        ("0 59/100 * * * *", .minute, [59]),
        ("0 3-9/100 * * * *", .minute, [3]),
        ("0 */60 * * * *", .minute, [0]),
        ("0 0/99999999999999999999 * * * *", .minute, [0]),
        ("0 *,5 * * * *", .minute, Array(0...59)),
        ("*/20 * * * * *", .second, [0, 20, 40]),
        ("59 * * * * *", .second, [59]),
        ("0 0 */6 * * *", .hour, [0, 6, 12, 18]),
        ("0 0 23 * * *", .hour, [23]),
        ("0 0 0 * * *", .dayOfMonth, Array(1...31)),
        ("0 0 0 ? * *", .dayOfMonth, Array(1...31)),
        ("0 0 0 1/10 * *", .dayOfMonth, [1, 11, 21, 31]),
        ("0 0 0 */10 * *", .dayOfMonth, [1, 11, 21, 31]),
        ("0 0 0 31 * *", .dayOfMonth, [31]),
        // Months: numbers and names in any case.
        ("0 0 0 * * *", .month, Array(1...12)),
        ("0 0 0 * JAN-MAR *", .month, [1, 2, 3]),
        ("0 0 0 * jan,Dec *", .month, [1, 12]),
        ("0 0 0 * */3 *", .month, [1, 4, 7, 10]),
        ("0 0 0 * FEB/5 *", .month, [2, 7, 12]),
        ("0 0 0 * 3-nov/4 *", .month, [3, 7, 11]),
        // Weekdays: names, 0 and 7 both Sunday, open ends stop at Saturday.
        ("0 0 0 * * *", .dayOfWeek, Array(0...6)),
        ("0 0 0 * * ?", .dayOfWeek, Array(0...6)),
        ("0 0 0 * * MON-FRI", .dayOfWeek, [1, 2, 3, 4, 5]),
        ("0 0 0 * * sun", .dayOfWeek, [0]),
        ("0 0 0 * * 0", .dayOfWeek, [0]),
        ("0 0 0 * * 7", .dayOfWeek, [0]),
        ("0 0 0 * * 0,7", .dayOfWeek, [0]),
        ("0 0 0 * * 5-7", .dayOfWeek, [0, 5, 6]),
        ("0 0 0 * * FRI-7", .dayOfWeek, [0, 5, 6]),
        ("0 0 0 * * 1/2", .dayOfWeek, [1, 3, 5]),
        ("0 0 0 * * */2", .dayOfWeek, [0, 2, 4, 6]),
        ("0 0 0 * * 7/3", .dayOfWeek, [0]),
        ("0 0 0 * * 0-7/7", .dayOfWeek, [0]),
        ("0 0 0 * * Sat,sUn", .dayOfWeek, [0, 6]),
        // Five fields: second 0, the rest shifted.
        ("*/10 1 * * *", .second, [0]),
        ("*/10 1 * * *", .minute, [0, 10, 20, 30, 40, 50]),
        ("*/10 1 * * *", .hour, [1]),
        ("*/10 1 2 * *", .dayOfMonth, [2]),
        ("*/10 1 2 3 *", .month, [3]),
        ("*/10 1 2 3 4", .dayOfWeek, [4]),
    ])
    func fieldValues(text: String, field: Field, expected: [Int]) throws {
        let expression = try CronExpression(parsing: text)
        #expect(Self.values(expression, field) == expected, "\(text)")
    }

    @Test(arguments: [
        ("0 0 0 * * *", false, false),
        ("0 0 0 ? * *", false, false),
        ("0 0 0 * * ?", false, false),
        ("0 0 0 1 * *", true, false),
        ("0 0 0 * * 1", false, true),
        ("0 0 0 */2 * *", true, false),
        ("0 0 0 1-31 * 0-7", true, true),
        ("0 0 0 * * *,1", false, true),
    ])
    func dayFieldsAreRestrictedUnlessBareWildcards(text: String, dayOfMonth: Bool, dayOfWeek: Bool) throws {
        let expression = try CronExpression(parsing: text)
        #expect(expression.daysOfMonthRestricted == dayOfMonth)
        #expect(expression.daysOfWeekRestricted == dayOfWeek)
    }

    @Test func whitespaceBetweenAndAroundFieldsIsFlexible() throws {
        let expression = try CronExpression(parsing: "  */5 \t *  *\t\t* *   *  \n")
        #expect(expression.text == "*/5 * * * * *")
        #expect(expression.description == "*/5 * * * * *")
        #expect(expression == (try CronExpression(parsing: "*/5 * * * * *")))
        #expect(expression != (try CronExpression(parsing: "*/5 * * * *")))
        #expect((try CronExpression(parsing: "0 0 * * *")) != (try CronExpression(parsing: "0 0 1 * * *")))
    }

    @Test func fiveFieldsMeanSecondZero() throws {
        let five = try CronExpression(parsing: "30 2 * * *")
        let six = try CronExpression(parsing: "0 30 2 * * *")
        #expect(five.text == "30 2 * * *")
        #expect(five.seconds == six.seconds && five.minutes == six.minutes && five.hours == six.hours)
        let start = utc(2025, 1, 1, 12)
        #expect(five.nextFire(after: start) == utc(2025, 1, 2, 2, 30, 0))
        #expect(five.nextFire(after: start) == six.nextFire(after: start))
        let everyMinute = try CronExpression(parsing: "* * * * *")
        #expect(everyMinute.nextFire(after: utc(2025, 1, 1, 12, 0, 0)) == utc(2025, 1, 1, 12, 1, 0))
        #expect(everyMinute.nextFire(after: utc(2025, 1, 1, 12, 0, 59)) == utc(2025, 1, 1, 12, 1, 0))
    }

    @Test func inputOfTwoHundredBytesIsAccepted() throws {
        let text = "0 0 0 * * 1" + String(repeating: " ", count: 189)
        #expect(text.utf8.count == 200)
        #expect((try CronExpression(parsing: text)).text == "0 0 0 * * 1")
    }

    // MARK: Errors

    static let fieldCountHelp =
        "expected 6 (second minute hour day-of-month month day-of-week) or 5 (minute hour day-of-month month day-of-week)"

    @Test(arguments: [
        ("", "cron expression has 0 fields; " + fieldCountHelp),
        (" \t ", "cron expression has 0 fields; " + fieldCountHelp),
        ("*", "cron expression has 1 field; " + fieldCountHelp),
        ("* * * *", "cron expression has 4 fields; " + fieldCountHelp),
        ("* * * * * * *", "cron expression has 7 fields; " + fieldCountHelp),
        ("0 0 0 1 1 * 2025", "cron expression has 7 fields; " + fieldCountHelp),
        // Out of range, in every field, both forms.
        ("60 * * * * *", #"second field "60": 60 is outside 0-59"#),
        ("* 61 * * * *", #"minute field "61": 61 is outside 0-59"#),
        ("61 * * * *", #"minute field "61": 61 is outside 0-59"#),
        ("0 0 24 * * *", #"hour field "24": 24 is outside 0-23"#),
        ("0 0 0 0 * *", #"day-of-month field "0": 0 is outside 1-31"#),
        ("0 0 0 32 * *", #"day-of-month field "32": 32 is outside 1-31"#),
        ("0 0 0 * 0 *", #"month field "0": 0 is outside 1-12"#),
        ("0 0 0 * 13 *", #"month field "13": 13 is outside 1-12"#),
        ("0 0 0 * * 8", #"day-of-week field "8": 8 is outside 0-7"#),
        ("0 1,2,99 * * * *", #"minute field "1,2,99": 99 is outside 0-59"#),
        ("0 5-60 * * * *", #"minute field "5-60": 60 is outside 0-59"#),
        ("0 99999999999999999999 * * * *", #"minute field "99999999999999999999": 99999999999999999999 is outside 0-59"#),
        // Not numbers; names where there are none; unknown names.
        ("x * * * * *", #"second field "x": "x" is not a number (0-59)"#),
        ("0 0 MON * * *", #"hour field "MON": "MON" is not a number (0-23)"#),
        ("0 0 0 L * *", #"day-of-month field "L": "L" is not a number (1-31)"#),
        ("0 0 0 * * 1.5", #"day-of-week field "1.5": "1.5" is not a number (0-7)"#),
        ("0 0 0 * * 5#2", #"day-of-week field "5#2": "5#2" is not a number (0-7)"#),
        ("0 *-5 * * * *", #"minute field "*-5": "*" is not a number (0-59)"#),
        ("０ * * * * *", #"second field "０": "０" is not a number (0-59)"#),
        ("0 0 0 * FOO *", #"month field "FOO": unknown name "FOO" (use 1-12 or JAN-DEC)"#),
        ("0 0 0 * JANUARY *", #"month field "JANUARY": unknown name "JANUARY" (use 1-12 or JAN-DEC)"#),
        ("0 0 0 * * MONDAY", #"day-of-week field "MONDAY": unknown name "MONDAY" (use 0-7 or SUN-SAT)"#),
        ("0 0 0 * * MON-FRY", #"day-of-week field "MON-FRY": unknown name "FRY" (use 0-7 or SUN-SAT)"#),
        ("0 0 0 * * 1A", #"day-of-week field "1A": "1A" is not a number (0-7)"#),
        // Reversed ranges, names too.
        ("0 5-2 * * * *", #"minute field "5-2": range 5-2 is reversed; write the smaller value first"#),
        ("0 0 0 * * SAT-SUN", #"day-of-week field "SAT-SUN": range 6-0 is reversed; write the smaller value first"#),
        ("0 0 0 * DEC-JAN *", #"month field "DEC-JAN": range 12-1 is reversed; write the smaller value first"#),
        // Steps.
        ("0 */0 * * * *", #"minute field "*/0": step 0 in "*/0" must be at least 1"#),
        ("0 5/00 * * * *", #"minute field "5/00": step 0 in "5/00" must be at least 1"#),
        ("0 */-1 * * * *", #"minute field "*/-1": step "-1" is not a positive whole number"#),
        ("0 */x * * * *", #"minute field "*/x": step "x" is not a positive whole number"#),
        ("0 */ * * * *", #"minute field "*/": "*/" has no step after "/""#),
        ("0 /5 * * * *", #"minute field "/5": "/5" has nothing before "/""#),
        ("0 1/2/3 * * * *", #"minute field "1/2/3": "1/2/3" has more than one "/""#),
        // Ranges and lists that are cut short.
        ("0 1-2-3 * * * *", #"minute field "1-2-3": "1-2-3" has more than one "-""#),
        ("0 -5 * * * *", #"minute field "-5": "-5" has no range start (negative numbers are not allowed)"#),
        ("0 5- * * * *", #"minute field "5-": "5-" has no range end"#),
        ("0 1,,2 * * * *", #"minute field "1,,2": has an empty list item"#),
        ("0 1, * * * *", #"minute field "1,": has an empty list item"#),
        ("0 , * * * *", #"minute field ",": has an empty list item"#),
        // `?` only alone, and only in the day fields.
        ("? * * * * *", #"second field "?": "?" is allowed only in day-of-month and day-of-week; use "*""#),
        ("0 0 0 * ? *", #"month field "?": "?" is allowed only in day-of-month and day-of-week; use "*""#),
        ("0 0 ?/2 * * *", #"hour field "?/2": "?" is allowed only in day-of-month and day-of-week; use "*""#),
        ("0 0 0 ?/2 * *", #"day-of-month field "?/2": "?" must stand alone as the whole field"#),
        ("0 0 0 * * 1,?", #"day-of-week field "1,?": "?" must stand alone as the whole field"#),
        // The first bad field is reported.
        ("60 61 24 * * *", #"second field "60": 60 is outside 0-59"#),
    ])
    func refusalsNameTheFieldAndTheProblem(text: String, reason: String) {
        let error = cronError(text)
        #expect(error?.reason == reason, "\(text)")
        #expect(error?.description == reason)
    }

    @Test func overLongInputIsRefusedBeforeParsing() {
        #expect(
            cronError(String(repeating: "1", count: 201))
                == CronError(reason: "cron expression is 201 bytes long; at most 200 are accepted"))
        let padded = "0 0 0 * * 1" + String(repeating: " ", count: 190)
        #expect(cronError(padded)?.reason == "cron expression is 201 bytes long; at most 200 are accepted")
        #expect(cronError(String(repeating: "é", count: 101))?.reason == "cron expression is 202 bytes long; at most 200 are accepted")
    }

    // MARK: Next fire times, by hand

    @Test func everyFiveSecondsFiresAtTheNextMultipleOfFive() throws {
        let expression = try CronExpression(parsing: "*/5 * * * * *")
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12, 0, 3)) == utc(2025, 1, 1, 12, 0, 5))
        #expect(expression.nextFire(after: 1_735_732_803) == 1_735_732_805)
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12, 0, 5)) == utc(2025, 1, 1, 12, 0, 10))
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12, 0, 58)) == utc(2025, 1, 1, 12, 1, 0))
        // Any instant: the next multiple of 5 strictly after it (minutes are multiples of 5 seconds).
        for after in stride(from: Int64(1_735_732_800), to: 1_735_732_800 + 200, by: 7) {
            #expect(expression.nextFire(after: after) == (after / 5 + 1) * 5)
        }
    }

    @Test func everyQuarterHour() throws {
        let expression = try CronExpression(parsing: "0 */15 * * * *")
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12, 7, 30)) == utc(2025, 1, 1, 12, 15, 0))
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12, 14, 59)) == utc(2025, 1, 1, 12, 15, 0))
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12, 15, 0)) == utc(2025, 1, 1, 12, 30, 0))
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12, 45, 0)) == utc(2025, 1, 1, 13, 0, 0))
        #expect(expression.nextFire(after: utc(2025, 12, 31, 23, 50, 0)) == utc(2026, 1, 1, 0, 0, 0))
    }

    @Test func weekdaysAtNoonSkipTheWeekend() throws {
        let expression = try CronExpression(parsing: "0 0 12 * * MON-FRI")
        // 2025-01-01 was a Wednesday; 2025-01-03 a Friday, 2025-01-06 a Monday.
        #expect(expression.nextFire(after: utc(2025, 1, 1, 11, 59, 59)) == utc(2025, 1, 1, 12))
        #expect(expression.nextFire(after: utc(2025, 1, 1, 12)) == utc(2025, 1, 2, 12))
        #expect(expression.nextFire(after: 1_735_905_600) == 1_736_164_800)  // Fri 12:00 -> Mon 12:00
        #expect(expression.nextFire(after: utc(2025, 1, 3, 12)) == utc(2025, 1, 6, 12))
        #expect(expression.nextFire(after: utc(2025, 1, 4, 8)) == utc(2025, 1, 6, 12))
        #expect(expression.nextFire(after: utc(2025, 1, 5, 23, 59, 59)) == utc(2025, 1, 6, 12))
    }

    @Test func februaryTwentyNinthWaitsForALeapYear() throws {
        let expression = try CronExpression(parsing: "0 0 0 29 2 *")
        #expect(expression.nextFire(after: utc(2025, 1, 1)) == utc(2028, 2, 29))
        #expect(expression.nextFire(after: 1_735_689_600) == 1_835_395_200)
        #expect(expression.nextFire(after: utc(2024, 2, 28, 12)) == utc(2024, 2, 29))
        #expect(expression.nextFire(after: utc(2024, 2, 29)) == utc(2028, 2, 29))
        #expect(expression.nextFire(after: utc(1999, 3, 1)) == utc(2000, 2, 29))  // 2000 is leap
        // 1900 is not leap: from 1896-02-29 the next is 1904-02-29, eight years on.
        #expect(expression.nextFire(after: utc(1897, 1, 1)) == nil)
        #expect(expression.nextFire(after: utc(1899, 3, 1)) == utc(1904, 2, 29))
        // 2100 is not leap: after 2096-02-29 the next one is 2104-02-29, beyond the five-year window.
        #expect(expression.nextFire(after: utc(2096, 2, 29)) == nil)
        #expect(expression.nextFire(after: utc(2099, 6, 1)) == utc(2104, 2, 29))
        #expect(expression.nextFire(after: utc(2100, 1, 1)) == utc(2104, 2, 29))
    }

    @Test func thirtyFirstSkipsShortMonths() throws {
        let expression = try CronExpression(parsing: "0 0 0 31 * *")
        #expect(expression.nextFire(after: utc(2025, 1, 31)) == utc(2025, 3, 31))
        #expect(expression.nextFire(after: utc(2025, 3, 31)) == utc(2025, 5, 31))
        #expect(expression.nextFire(after: utc(2025, 5, 31)) == utc(2025, 7, 31))
        #expect(expression.nextFire(after: utc(2025, 7, 31)) == utc(2025, 8, 31))
        #expect(expression.nextFire(after: utc(2025, 8, 31)) == utc(2025, 10, 31))
        #expect(expression.nextFire(after: utc(2025, 10, 31)) == utc(2025, 12, 31))
        #expect(expression.nextFire(after: utc(2025, 12, 31)) == utc(2026, 1, 31))
    }

    @Test func dayOfMonthAndDayOfWeekMatchEitherWhenBothAreRestricted() throws {
        // January 2025: Fridays are the 3rd, 10th, 17th; the 13th is a Monday.
        let either = try CronExpression(parsing: "0 0 0 13 * FRI")
        var fires: [Int64] = []
        var after = utc(2025, 1, 1)
        for _ in 0..<5 {
            guard let next = either.nextFire(after: after) else { break }
            fires.append(next)
            after = next
        }
        #expect(fires == [utc(2025, 1, 3), utc(2025, 1, 10), utc(2025, 1, 13), utc(2025, 1, 17), utc(2025, 1, 24)])

        let monthDayOnly = try CronExpression(parsing: "0 0 0 13 * *")
        #expect(monthDayOnly.nextFire(after: utc(2025, 1, 1)) == utc(2025, 1, 13))
        #expect(monthDayOnly.nextFire(after: utc(2025, 1, 13)) == utc(2025, 2, 13))
        for text in ["0 0 0 * * FRI", "0 0 0 ? * FRI", "0 0 * * 5"] {
            let weekdayOnly = try CronExpression(parsing: text)
            #expect(weekdayOnly.nextFire(after: utc(2025, 1, 10)) == utc(2025, 1, 17), "\(text)")
        }
        // A step counts as restricted: odd days or Mondays.
        let stepped = try CronExpression(parsing: "0 0 0 */2 * MON")
        #expect(stepped.nextFire(after: utc(2025, 1, 1)) == utc(2025, 1, 3))
        #expect(stepped.nextFire(after: utc(2025, 1, 5)) == utc(2025, 1, 6))  // Monday the 6th
        // April has no 31st, but its Mondays still fire.
        let aprilMondays = try CronExpression(parsing: "0 0 0 31 4 MON")
        #expect(aprilMondays.nextFire(after: utc(2025, 1, 1)) == utc(2025, 4, 7))
    }

    @Test(arguments: ["0 0 0 * * 0", "0 0 0 * * 7", "0 0 0 * * SUN", "0 0 0 * * sun", "0 0 0 ? * 7", "0 0 * * 7"])
    func sundayIsZeroAndSeven(text: String) throws {
        let expression = try CronExpression(parsing: text)
        #expect(expression.nextFire(after: utc(2025, 1, 1)) == utc(2025, 1, 5))
        #expect(expression.nextFire(after: utc(2025, 1, 5)) == utc(2025, 1, 12))
    }

    @Test func fridayToSundayRange() throws {
        let expression = try CronExpression(parsing: "0 0 0 * * 5-7")
        var after = utc(2025, 1, 1)
        var fires: [Int64] = []
        for _ in 0..<4 {
            guard let next = expression.nextFire(after: after) else { break }
            fires.append(next)
            after = next
        }
        #expect(fires == [utc(2025, 1, 3), utc(2025, 1, 4), utc(2025, 1, 5), utc(2025, 1, 10)])
    }

    @Test func rolloversAtTheEndOfTheYear() throws {
        let lastSecond = utc(2025, 12, 31, 23, 59, 59)
        #expect(try CronExpression(parsing: "* * * * * *").nextFire(after: lastSecond) == utc(2026, 1, 1))
        #expect(try CronExpression(parsing: "0 0 0 1 1 *").nextFire(after: lastSecond) == utc(2026, 1, 1))
        #expect(try CronExpression(parsing: "0 0 0 1 1 *").nextFire(after: utc(2026, 1, 1)) == utc(2027, 1, 1))
        #expect(
            try CronExpression(parsing: "59 59 23 31 12 *").nextFire(after: lastSecond) == utc(2026, 12, 31, 23, 59, 59))
        #expect(
            try CronExpression(parsing: "59 59 23 31 12 *").nextFire(after: lastSecond - 1) == lastSecond)
        #expect(try CronExpression(parsing: "30 * * * * *").nextFire(after: lastSecond) == utc(2026, 1, 1, 0, 0, 30))
        #expect(try CronExpression(parsing: "0 0 0 1 * *").nextFire(after: utc(2025, 1, 31, 23, 59, 59)) == utc(2025, 2, 1))
        #expect(try CronExpression(parsing: "0 0 0 1 * *").nextFire(after: utc(2024, 2, 29, 23, 59, 59)) == utc(2024, 3, 1))
        #expect(try CronExpression(parsing: "0 0 0 * FEB *").nextFire(after: utc(2025, 2, 28, 0, 0, 0)) == utc(2026, 2, 1))
        #expect(try CronExpression(parsing: "0 0 * * * *").nextFire(after: utc(2023, 2, 28, 23, 0, 0)) == utc(2023, 3, 1))
        #expect(try CronExpression(parsing: "0 0 * * * *").nextFire(after: utc(2024, 2, 28, 23, 0, 0)) == utc(2024, 2, 29))
    }

    @Test(arguments: ["0 0 0 30 2 *", "0 0 0 31 2 *", "0 0 0 31 4 *", "0 0 0 31 2,4,6,9,11 *", "0 0 30 2 *"])
    func impossibleDatesNeverFire(text: String) throws {
        let expression = try CronExpression(parsing: text)
        for after in [utc(2025, 1, 1), utc(2000, 1, 1), 0, Int64(-1_000_000_000), utc(2096, 2, 29)] {
            #expect(expression.nextFire(after: after) == nil, "\(text) after \(after)")
        }
    }

    @Test func aMatchingInstantIsNotItsOwnNextFire() throws {
        let noon = try CronExpression(parsing: "0 0 12 * * *")
        #expect(noon.nextFire(after: utc(2025, 1, 1, 12)) == utc(2025, 1, 2, 12))
        #expect(noon.nextFire(after: utc(2025, 1, 1, 12) - 1) == utc(2025, 1, 1, 12))
        let everySecond = try CronExpression(parsing: "* * * * * *")
        for after in [Int64(0), -1, 1_735_732_800, -86_400] {
            #expect(everySecond.nextFire(after: after) == after + 1)
        }
    }

    @Test func instantsBefore1970Work() throws {
        let newYear = try CronExpression(parsing: "0 0 0 1 1 *")
        #expect(newYear.nextFire(after: -1) == 0)
        #expect(newYear.nextFire(after: utc(1969, 6, 1)) == 0)
        #expect(newYear.nextFire(after: utc(1900, 6, 1, 13)) == utc(1901, 1, 1))
        let minute = try CronExpression(parsing: "0 * * * * *")
        #expect(minute.nextFire(after: -61) == -60)
        #expect(minute.nextFire(after: -60) == 0)
        #expect(minute.nextFire(after: -59) == 0)
        // 1969-12-31 was a Wednesday.
        #expect(try CronExpression(parsing: "0 0 0 * * WED").nextFire(after: -86_400 - 1) == -86_400)
        #expect(try CronExpression(parsing: "0 0 0 29 2 *").nextFire(after: utc(1700, 3, 1)) == utc(1704, 2, 29))
    }

    @Test func instantsOutsideTheSupportedRangeGiveNil() throws {
        let expression = try CronExpression(parsing: "* * * * * *")
        #expect(expression.nextFire(after: Int64.max) == nil)
        #expect(expression.nextFire(after: Int64.min) == nil)
        let edge: Int64 = 1 << 50
        #expect(expression.nextFire(after: edge - 1) == edge)
        #expect(expression.nextFire(after: -edge) == -edge + 1)
        // The last supported instant has no next fire inside the range: nil, not an instant past it.
        #expect(expression.nextFire(after: edge) == nil)
        #expect(expression.nextFire(after: edge + 1) == nil)
        #expect(expression.nextFire(after: -edge - 1) == nil)
    }

    /// Found by the cron fuzz target (fuzz/corpus/cron/regression-fire-past-the-range): from just before
    /// +2⁵⁰, the next Sunday midnight lies past it. It used to be returned, and asking for the next fire
    /// from one second before it then gave nil, so the answer was not a fire time by nextFire's own account.
    @Test func aFireTimeIsAlwaysAnInstantNextFireAccepts() throws {
        let expression = try CronExpression(parsing: "0 0 0 ? * 7")
        let edge: Int64 = 1 << 50
        for after in [edge - 500_000, edge - 86_400 * 8, edge - 1] {
            var current = after
            while let fire = expression.nextFire(after: current) {
                #expect(fire <= edge, "from \(after): \(fire) is past the supported range")
                #expect(expression.nextFire(after: fire - 1) == fire, "from \(after): \(fire) is not a fire time")
                current = fire
            }
        }
        // The last Sunday midnight before the edge is still found.
        let lastSunday = try #require(expression.nextFire(after: edge - 86_400 * 8))
        #expect(lastSunday <= edge && edge - lastSunday < 7 * 86_400)
    }

    @Test func theWindowIsFiveTimes366Days() throws {
        // Once a year on Jan 1: always found. Feb 29 from just after 2096-02-29: 2104 is 8 years away.
        let yearly = try CronExpression(parsing: "0 0 0 1 1 *")
        #expect(yearly.nextFire(after: utc(2025, 1, 1)) == utc(2026, 1, 1))
        #expect(CronExpression.searchWindowSeconds == 5 * 366 * 86_400)
        // The window's last second is included, the one after it is not (no Feb 29 between 2096 and 2104).
        let window = CronExpression.searchWindowSeconds
        let target = utc(2104, 2, 29)
        let leapDay = try CronExpression(parsing: "0 0 0 29 2 *")
        #expect(leapDay.nextFire(after: target - window) == target)
        #expect(leapDay.nextFire(after: target - window - 1) == nil)
    }

    // MARK: The calendar against Foundation

    @Test func civilDatesAgreeWithFoundation() {
        var random = SeededGenerator(seed: 1)
        let known: [(Int64, Int, Int, Int)] = [
            (0, 1970, 1, 1), (-1, 1969, 12, 31), (11_016, 2000, 2, 29), (11_017, 2000, 3, 1), (47_540, 2100, 2, 28),
            (47_541, 2100, 3, 1), (-25_508, 1900, 3, 1), (-719_468, 0, 3, 1),
        ]
        for (days, year, month, day) in known {
            let date = CivilDate(days: days)
            #expect(date == CivilDate(year: Int64(year), month: month, day: day), "\(days)")
            #expect(date.daysSinceEpoch == days)
        }
        let low = utc(1583, 1, 1) / 86_400
        let high = utc(4000, 1, 1) / 86_400
        for _ in 0..<3_000 {
            let days = Int64.random(in: low...high, using: &random)
            let reference = ReferenceTime(days * 86_400)
            let date = CivilDate(days: days)
            #expect(date.year == Int64(reference.year) && date.month == reference.month && date.day == reference.day)
            #expect(date.weekday == reference.weekday)
            #expect(date.daysSinceEpoch == days)
        }
        // Round trips far from 1970, and the leap rules.
        for _ in 0..<3_000 {
            let days = Int64.random(in: -(1 << 40)...(1 << 40), using: &random)
            let date = CivilDate(days: days)
            #expect(date.daysSinceEpoch == days)
            #expect((1...12).contains(date.month) && (1...CivilDate.daysInMonth(year: date.year, month: date.month)).contains(date.day))
            #expect(date.nextDay.daysSinceEpoch == days + 1)
        }
        #expect(CivilDate.isLeap(2000) && CivilDate.isLeap(2024) && CivilDate.isLeap(-4) && CivilDate.isLeap(0))
        #expect(!CivilDate.isLeap(2100) && !CivilDate.isLeap(1900) && !CivilDate.isLeap(2025) && !CivilDate.isLeap(-100))
        #expect(CivilDate(days: 0).weekday == 4)  // Thursday
        #expect(CivilDate(days: -1).weekday == 3)
        #expect(CivilDate(days: -7).weekday == 4)
    }

    // MARK: Against a brute-force walk

    @Test(arguments: [UInt64(11), 12, 13, 14])
    func randomExpressionsAgreeWithABruteForceWalk(seed: UInt64) throws {
        var generator = ExpressionGenerator(random: SeededGenerator(seed: seed))
        let window: Int64 = 3 * 86_400
        var fired = 0
        for _ in 0..<150 {
            let (text, schedule) = generator.expression()
            let expression = try CronExpression(parsing: text)
            let after = generator.instant()
            let expected = schedule.bruteForceNext(after: after, window: window)
            let actual = expression.nextFire(after: after)
            if let expected {
                fired += 1
                #expect(actual == expected, "\(text) after \(after)")
            } else if let actual {
                #expect(actual > after + window, "\(text) after \(after): \(actual)")
            }
        }
        #expect(fired > 50)  // the comparison must mostly be about real fires
    }

    @Test(arguments: [UInt64(21), 22, 23])
    func randomDayRulesAgreeWithADayByDayWalk(seed: UInt64) throws {
        var generator = ExpressionGenerator(random: SeededGenerator(seed: seed), wildcardDays: 0.3)
        var fired = 0
        for _ in 0..<200 {
            let (text, schedule) = generator.expression(fixedTimeOfDay: true)
            let expression = try CronExpression(parsing: text)
            let after = generator.instant()
            // Walk day by day for 800 days; the time of day is fixed, so the first matching day at or after
            // the start whose fire time is later than `after` is the answer.
            var time = ReferenceTime(after)
            var midnight = after - Int64(time.secondOfDay)
            let fireOffset = Int64(schedule.hour.firstIndex(of: true) ?? 0) * 3600
                + Int64(schedule.minute.firstIndex(of: true) ?? 0) * 60 + Int64(schedule.second.firstIndex(of: true) ?? 0)
            var expected: Int64?
            for _ in 0..<800 {
                if schedule.dayMatches(time) && midnight + fireOffset > after {
                    expected = midnight + fireOffset
                    break
                }
                time.nextDay()
                midnight += 86_400
            }
            let actual = expression.nextFire(after: after)
            if let expected {
                fired += 1
                #expect(actual == expected, "\(text) after \(after)")
                #expect(ReferenceTime(expected).day == ReferenceTime(midnight).day)
            } else if let actual {
                #expect(actual > after + 799 * 86_400, "\(text) after \(after): \(actual)")
            }
        }
        #expect(fired > 100)
    }

    @Test func chainedFiresMatchAndIncrease() throws {
        var generator = ExpressionGenerator(random: SeededGenerator(seed: 31), wildcardDays: 0.4)
        for _ in 0..<100 {
            let (text, schedule) = generator.expression()
            let expression = try CronExpression(parsing: text)
            var after = generator.instant()
            for _ in 0..<20 {
                guard let next = expression.nextFire(after: after) else { break }
                #expect(next > after)
                let matches = schedule.matches(ReferenceTime(next))
                #expect(matches, "\(text): \(ReferenceTime(next))")
                after = next
            }
        }
    }

    // MARK: Never trap

    @Test func randomTextNeverTraps() {
        var random = SeededGenerator(seed: 41)
        let pieces = [
            "0", "1", "5", "7", "9", "12", "23", "31", "59", "60", "99", "00", "4294967296", "99999999999999999999",
            "*", "?", "/", ",", "-", " ", " ", " ", "\t", "\n", "JAN", "feb", "MON", "sun", "Sat", "L", "W", "#",
            "é", "０", "\u{0}", "🕐", "*/", "/0", "-", "--", ",,",
        ]
        var generator = ExpressionGenerator(random: SeededGenerator(seed: 42))
        var parsed = 0
        for round in 0..<6_000 {
            var text = ""
            if round.isMultiple(of: 2) {
                // Pieces at random: mostly refused.
                for _ in 0..<Int.random(in: 0...30, using: &random) {
                    text += pieces[Int.random(in: 0..<pieces.count, using: &random)]
                }
            } else {
                // A valid expression with a few edits: often still valid, sometimes subtly not.
                var characters = Array(generator.expression().text)
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    let index = Int.random(in: 0...characters.count, using: &random)
                    let piece = Array(pieces[Int.random(in: 0..<pieces.count, using: &random)])
                    switch Int.random(in: 0...2, using: &random) {
                    case 0 where index < characters.count: characters.remove(at: index)
                    case 1 where index < characters.count: characters.replaceSubrange(index...index, with: piece)
                    default: characters.insert(contentsOf: piece, at: index)
                    }
                }
                text = String(characters)
            }
            do throws(CronError) {
                let expression = try CronExpression(parsing: text)
                parsed += 1
                #expect(cronParses(expression.text) == expression)
                for after in [Int64(0), -1, Int64.max, Int64.min, 1_735_732_800, Int64.random(in: -(1 << 40)...(1 << 40), using: &random)] {
                    if let next = expression.nextFire(after: after) {
                        #expect(next > after && next <= after + CronExpression.searchWindowSeconds)
                    }
                }
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(parsed > 500)
    }

    @Test func impossibleSchedulesAnswerQuickly() throws {
        let expression = try CronExpression(parsing: "59 59 23 30 2 *")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for offset in 0..<500 {
                #expect(expression.nextFire(after: Int64(offset) * 86_400 * 7) == nil)
            }
        }
        #expect(elapsed < .seconds(10))
    }
}
