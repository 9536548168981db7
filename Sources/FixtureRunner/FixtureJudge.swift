import FunctionRuntime

/// What a function answered to a fixture request, however it was obtained (in process or over HTTP).
///
/// `body` is the bytes the client would receive, so a response the handler base64-encoded must already be decoded.
public struct FixtureResponse: Sendable {
    public var status: Int
    /// In arrival order; a name may repeat (`Set-Cookie`).
    public var headers: [FixtureHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [FixtureHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, headers: [FixtureHeader] = [], body: String) {
        self.init(status: status, headers: headers, body: Array(body.utf8))
    }

    /// Every value of the header `name` (compared case-insensitively), in order.
    public func values(forHeader name: String) -> [String] {
        let wanted = FixtureHeaderName.fold(name)
        return headers.filter { FixtureHeaderName.fold($0.name) == wanted }.map(\.value)
    }
}

/// The outcome of one case: passed, or the list of everything that did not match.
public struct FixtureVerdict: Sendable, Equatable {
    public var passed: Bool
    /// One line per mismatch, each naming what it is about (`status`, `headers.Location`, `body.task_id`), what was
    /// expected and what came: `body.task_id: expected a string, got number 5`.
    public var failures: [String]

    public init(failures: [String]) {
        self.passed = failures.isEmpty
        self.failures = failures
    }
}

/// Judges a response against a case with the platform's rules (reference, section 9).
///
/// Everything is checked and every mismatch reported, so one run shows all that is wrong: the status (exactly), each
/// of `expectedHeaders`, then the body with the case's `BodyMatcher` (only when the case has an `expectedBody`).
/// Body failures beyond `maxBodyFailures` are summarised in one line.
///
/// Header expectations (names case-insensitive; a repeated header passes if any of its values does; values are
/// compared without surrounding spaces and tabs):
/// - `"string"`: the header is present, with any value (so a literal `"string"` cannot be asked for);
/// - `"number"`: its value is a JSON number (`42`, `-1.5`); `"boolean"`: `true` or `false`, in any case;
///   `"array"` / `"object"`: its value parses as JSON of that type;
/// - any other string: the value equals it exactly; a number: the value is that number (`0` matches `0` and `0.0`);
///   a boolean: the value is `true` / `false` in any case;
/// - `null`: the header is absent (inferred; the platform's fixtures never use it).
public enum FixtureJudge {
    /// The most body failures listed one by one before the rest are summarised.
    public static let maxBodyFailures = 20

    public static func judge(_ response: FixtureResponse, against fixture: FixtureCase) -> FixtureVerdict {
        var failures: [String] = []
        if response.status != fixture.expectedStatus {
            failures.append(
                "status: expected \(fixture.expectedStatus), got \(response.status) "
                    + "(body: \(ValueDescription.text(response.body)))")
        }
        for expectation in fixture.expectedHeaders {
            if let failure = check(expectation, in: response) { failures.append(failure) }
        }
        if let expected = fixture.expectedBody {
            let bodyFailures = fixture.bodyMatcher.check(response.body, against: expected)
            failures += bodyFailures.prefix(maxBodyFailures)
            if bodyFailures.count > maxBodyFailures {
                failures.append("body: \(bodyFailures.count - maxBodyFailures) more differences not listed")
            }
        }
        return FixtureVerdict(failures: failures)
    }

    /// The failure line for one header expectation, or `nil` when the response satisfies it.
    static func check(_ expectation: FixtureExpectedHeader, in response: FixtureResponse) -> String? {
        let label = "headers.\(expectation.name)"
        let values = response.values(forHeader: expectation.name).map(trimmed)
        if expectation.value == .null {
            guard !values.isEmpty else { return nil }
            return "\(label): expected no such header, got \(list(values))"
        }
        let wanted = JSONMatch.expectation(expectation.value)
        guard !values.isEmpty else { return "\(label): expected \(wanted), got nothing (the header is missing)" }
        if values.contains(where: { matches($0, expectation.value) }) { return nil }
        return "\(label): expected \(wanted), got \(list(values))"
    }

    /// Whether one header value satisfies an expected value (literal or placeholder).
    static func matches(_ value: String, _ expected: JSONValue) -> Bool {
        switch expected {
        case .string("string"): true
        case .string("boolean"), .bool: isBoolean(value, expected.boolValue)
        case .string(let type) where JSONMatch.placeholders.contains(type):
            (try? JSONValue.parse(value))?.typeName == type
        case .string(let literal): value == literal
        case .number(let number): (try? JSONValue.parse(value)).flatMap(\.numberValue) == number
        case .null, .array, .object: false
        }
    }

    /// Whether `value` is `true` or `false` (any letter case), and equal to `wanted` when one is given.
    private static func isBoolean(_ value: String, _ wanted: Bool?) -> Bool {
        switch FixtureHeaderName.fold(value) {
        case "true": wanted ?? true
        case "false": !(wanted ?? false)
        default: false
        }
    }

    private static func trimmed(_ value: String) -> String {
        var scalars = Substring(value)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    private static func list(_ values: [String]) -> String {
        values.map(ValueDescription.quote).joined(separator: ", ")
    }
}
