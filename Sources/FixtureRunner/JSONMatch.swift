import FunctionRuntime

/// Structural comparison of an expected JSON value with an actual one, reporting every difference by its path.
///
/// Two modes, after the `partial` and `exact` matchers of reference section 9:
/// - **partial**: every key of an expected object must be present in the actual object and match recursively;
///   extra actual keys are fine. An expected array must have exactly as many elements as the actual one, each
///   matched partially (so `[]` means "an empty array"). The strings `"string"`, `"number"`, `"boolean"`, `"array"`
///   and `"object"` are *type placeholders* matching any value of that JSON type; this means a literal `"string"`
///   cannot be asked for, which is how the platform's runner behaves. Every other value must be equal (numbers
///   compare numerically, `5` equals `5.0`).
/// - **exact**: full equality, reported as missing keys, unexpected keys and differing values. There are no
///   placeholders: `"string"` means the string `string`.
///
/// Failures read `<path>: expected <what>, got <what>`, where the path starts at `body`
/// (`body.items[0].id`, `body["content-type"]`).
enum JSONMatch {
    /// The type placeholders of `partial` matching (and of `expectedHeaders` and the `type` matcher).
    static let placeholders: Set<String> = ["string", "number", "boolean", "array", "object"]

    /// The JSON type name `value` stands for, if it is a type placeholder.
    static func placeholderType(_ value: JSONValue) -> String? {
        guard case .string(let text) = value, placeholders.contains(text) else { return nil }
        return text
    }

    /// Appends to `failures` every way `actual` fails to contain `expected`.
    static func partial(_ expected: JSONValue, _ actual: JSONValue, at path: String, into failures: inout [String]) {
        if let type = placeholderType(expected) {
            if actual.typeName != type { failures.append(mismatch(path, expected: expected, actual: actual)) }
            return
        }
        switch (expected, actual) {
        case (.object(let wanted), .object(let got)):
            for (key, value) in wanted.sorted(by: { $0.key < $1.key }) {
                let child = member(path, key)
                if let present = got[key] {
                    partial(value, present, at: child, into: &failures)
                } else {
                    failures.append("\(child): expected \(expectation(value)), got nothing (the key is missing)")
                }
            }
        case (.array(let wanted), .array(let got)):
            guard wanted.count == got.count else {
                failures.append(countMismatch(path, expected: wanted.count, actual: got.count))
                return
            }
            for (offset, pair) in zip(wanted, got).enumerated() {
                partial(pair.0, pair.1, at: "\(path)[\(offset)]", into: &failures)
            }
        default:
            if expected != actual { failures.append(mismatch(path, expected: expected, actual: actual)) }
        }
    }

    /// Appends to `failures` every difference between `expected` and `actual`.
    static func exact(_ expected: JSONValue, _ actual: JSONValue, at path: String, into failures: inout [String]) {
        switch (expected, actual) {
        case (.object(let wanted), .object(let got)):
            for (key, value) in wanted.sorted(by: { $0.key < $1.key }) {
                let child = member(path, key)
                if let present = got[key] {
                    exact(value, present, at: child, into: &failures)
                } else {
                    failures.append(
                        "\(child): expected \(ValueDescription.expected(value)), got nothing (the key is missing)")
                }
            }
            for (key, value) in got.sorted(by: { $0.key < $1.key }) where wanted[key] == nil {
                failures.append("\(member(path, key)): expected no such key, got \(ValueDescription.describe(value))")
            }
        case (.array(let wanted), .array(let got)):
            guard wanted.count == got.count else {
                failures.append(countMismatch(path, expected: wanted.count, actual: got.count))
                return
            }
            for (offset, pair) in zip(wanted, got).enumerated() {
                exact(pair.0, pair.1, at: "\(path)[\(offset)]", into: &failures)
            }
        default:
            if expected != actual {
                failures.append(
                    "\(path): expected \(ValueDescription.expected(expected)), got \(ValueDescription.describe(actual))"
                )
            }
        }
    }

    /// What an expected value asks for, in `expected ...` phrases: `a string` for a placeholder, else the value.
    static func expectation(_ value: JSONValue) -> String {
        if let type = placeholderType(value) { return ValueDescription.article(type) }
        return ValueDescription.expected(value)
    }

    /// The path of `key` inside the object at `path`: `.key` when `key` is an identifier, `["key"]` otherwise.
    static func member(_ path: String, _ key: String) -> String {
        let isIdentifier =
            key.utf8.first.map { !(0x30...0x39).contains($0) } == true
            && key.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "$"):
                    true
                default:
                    false
                }
            }
        return isIdentifier ? "\(path).\(key)" : "\(path)[\(JSONValue.string(key).encoded())]"
    }

    private static func mismatch(_ path: String, expected: JSONValue, actual: JSONValue) -> String {
        "\(path): expected \(expectation(expected)), got \(ValueDescription.describe(actual))"
    }

    private static func countMismatch(_ path: String, expected: Int, actual: Int) -> String {
        let wanted = expected == 0 ? "an empty array" : "an array of \(ValueDescription.count(expected, "element"))"
        let got = actual == 0 ? "an empty array" : "an array of \(ValueDescription.count(actual, "element"))"
        return "\(path): expected \(wanted), got \(got)"
    }
}
