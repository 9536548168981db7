import FunctionRuntime

/// How a case's `expectedBody` is compared with the response body (`bodyMatcher` in `tests.json`).
///
/// The raw values are the spellings `tests.json` uses; the parser accepts them in any letter case. An absent
/// `bodyMatcher` means `partial` (inferred from the platform's passing tests, reference 9). With no `expectedBody`,
/// no matcher checks anything.
public enum BodyMatcher: String, Sendable, CaseIterable {
    /// The body is JSON containing what is expected; see `JSONMatch.partial`. When `expectedBody` is a
    /// string and the body is not JSON, the raw text is compared instead (the placeholder `"string"` accepts any
    /// non-empty text), so `"expectedBody": ""` works without naming a matcher.
    case partial
    /// Full equality. A string `expectedBody` is compared with the raw body text byte for byte (`"FAIL"`, or `""`
    /// for an OPTIONS preflight); any other value with the parsed JSON body, without placeholders.
    case exact
    /// The body is JSON of the same type as `expectedBody`: `[]` means "is an array", `{}` "is an object". A
    /// placeholder string names the type directly (`"expectedBody": "array"`); any other string means "is a JSON
    /// string".
    case type
    /// The same as `type` (the platform treats them alike; reference 9).
    case array
    /// The body is not checked.
    case none
    /// The body is not checked (a synonym of `none`).
    case skip

    /// The failures of `body` against `expected`, each starting with its path (`body`, `body.items[0]`); empty when
    /// it matches.
    public func check(_ body: [UInt8], against expected: JSONValue) -> [String] {
        switch self {
        case .none, .skip:
            return []
        case .exact:
            if case .string(let text) = expected {
                if Array(text.utf8) == body { return [] }
                return ["body: expected exactly \(ValueDescription.quote(text)), got \(ValueDescription.text(body))"]
            }
            guard let actual = Self.parse(body) else { return [Self.notJSON(body, expected: expected, exact: true)] }
            var failures: [String] = []
            JSONMatch.exact(expected, actual, at: "body", into: &failures)
            return failures
        case .partial:
            guard let actual = Self.parse(body) else {
                if case .string(let text) = expected {
                    if (text == "string" && !body.isEmpty) || Array(text.utf8) == body { return [] }
                    if JSONMatch.placeholderType(expected) == nil {
                        return ["body: expected \(ValueDescription.quote(text)), got \(ValueDescription.text(body))"]
                    }
                }
                return [Self.notJSON(body, expected: expected, exact: false)]
            }
            var failures: [String] = []
            JSONMatch.partial(expected, actual, at: "body", into: &failures)
            return failures
        case .type, .array:
            let type = JSONMatch.placeholderType(expected) ?? expected.typeName
            guard let actual = Self.parse(body) else {
                return ["body: expected JSON (\(ValueDescription.article(type))), got \(ValueDescription.text(body))"]
            }
            if actual.typeName == type { return [] }
            return ["body: expected \(ValueDescription.article(type)), got \(ValueDescription.describe(actual))"]
        }
    }

    /// The body as JSON, or `nil` when it is empty or not JSON.
    private static func parse(_ body: [UInt8]) -> JSONValue? {
        guard !body.isEmpty, let value = try? JSONValue.parse(body) else { return Optional<JSONValue>.none }
        return value
    }

    private static func notJSON(_ body: [UInt8], expected: JSONValue, exact: Bool) -> String {
        let what = exact ? ValueDescription.expected(expected) : JSONMatch.expectation(expected)
        return "body: expected JSON (\(what)), got \(ValueDescription.text(body))"
    }
}
