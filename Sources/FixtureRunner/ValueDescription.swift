import FunctionRuntime

/// How a JSON value is named in messages: its type, then (for scalars) the value itself, cut short when long.
///
/// Shared by the parser's errors (`got string "202"`) and the judge's failures (`got number 5`), so both read alike.
/// Strings are quoted as JSON literals, so an empty string, a space or a line break stays visible.
enum ValueDescription {
    /// The longest value text quoted in a message; a whole response body in a failure line helps nobody.
    static let maxQuoted = 120

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "boolean \(flag)"
        case .number: "number " + value.encoded()
        case .string(let text): "string " + quote(text)
        case .array(let elements):
            elements.isEmpty ? "an empty array" : "an array of \(count(elements.count, "element"))"
        case .object(let members): members.isEmpty ? "an empty object" : "an object with \(count(members.count, "key"))"
        }
    }

    /// Like `describe`, but for expected values in `expected ...` phrases (`"pending"`, `5`, `an object`).
    static func expected(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): quote(text)
        case .null, .bool, .number: value.encoded()
        case .array(let elements):
            elements.isEmpty ? "an empty array" : "an array of \(count(elements.count, "element"))"
        case .object: "an object"
        }
    }

    /// `text` as a JSON string literal, truncated to `maxQuoted` characters with an ellipsis.
    static func quote(_ text: String) -> String {
        guard text.count > maxQuoted else { return JSONValue.string(text).encoded() }
        return JSONValue.string(String(text.prefix(maxQuoted))).encoded() + "..."
    }

    /// A raw response body in messages: `an empty body`, or `text "..."` (cut short; invalid UTF-8 shown as U+FFFD).
    static func text(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? "an empty body" : "text " + quote(String(decoding: bytes, as: UTF8.self))
    }

    /// The name of a JSON type with its article, as placeholders read in messages (`a string`, `an array`).
    static func article(_ typeName: String) -> String {
        switch typeName {
        case "array", "object": "an " + typeName
        case "null": "null"
        default: "a " + typeName
        }
    }

    static func count(_ n: Int, _ noun: String) -> String {
        n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
    }
}
