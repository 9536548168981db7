/// A JSON document, small and dependency-free (no Foundation).
///
/// Objects keep their keys in insertion order so responses read like Replicate's (`id` first)
/// and tests can compare text. Numbers are `Double`; integral values within ±2^53 print
/// without a fraction (`42`, not `42.0`), so an echoed `"seed": 42` stays `42`.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// An integer as a JSON number.
    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }

    /// A string, or `null` when `value` is nil.
    static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// One page of a Replicate list, holding everything: `{"next": null, "previous": null, "results": [...]}`.
    static func page(_ results: [JSONValue]) -> JSONValue {
        .object([("next", .null), ("previous", .null), ("results", .array(results))])
    }

    /// The member named `key` of an object (the first, if repeated); nil otherwise.
    subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The number as an `Int` when it is integral and in range; nil otherwise.
    var intValue: Int? {
        guard case let .number(value) = self, value.rounded() == value,
              value >= -9_007_199_254_740_992, value <= 9_007_199_254_740_992 else { return nil }
        return Int(value)
    }

    var boolValue: Bool? {
        if case let .bool(value) = self { return value }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case let .array(value) = self { return value }
        return nil
    }

    var objectValue: [(String, JSONValue)]? {
        if case let .object(value) = self { return value }
        return nil
    }

    /// Compact JSON text.
    var serialized: String {
        var output = ""
        write(to: &output)
        return output
    }

    /// The serialized text as UTF-8 bytes, ready for a response body.
    var bytes: [UInt8] { Array(serialized.utf8) }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case let .bool(value): output += value ? "true" : "false"
        case let .number(value): output += JSONValue.format(value)
        case let .string(value): JSONValue.writeString(value, to: &output)
        case let .array(items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.write(to: &output)
            }
            output += "]"
        case let .object(members):
            output += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output += "," }
                JSONValue.writeString(key, to: &output)
                output += ":"
                value.write(to: &output)
            }
            output += "}"
        }
    }

    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value.rounded() == value, abs(value) <= 9_007_199_254_740_992 {
            return String(Int(value))
        }
        return value.description
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
