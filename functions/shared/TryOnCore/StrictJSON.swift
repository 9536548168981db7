import FunctionRuntime

/// A strict RFC 8259 check of a request body, run before the body is parsed: the general JSON
/// parser is lenient (it takes trailing commas and UTF-16 text) and slow on bodies built to be
/// slow (100,000 members), and it keeps one of a repeated key's values silently.
///
/// Refused: anything outside the JSON grammar (with the byte offset named), nesting deeper than
/// `maxDepth`, more than `maxValues` values in all, and an object that repeats a key (compared
/// after unescaping, so `"a"` and `"\u0061"` are the same key; parsers disagree on which value
/// wins, so a proxy or the page could read such a body differently from us). One pass, no
/// recursion, so no input can exhaust the stack.
public struct StrictJSON: Sendable {
    /// Deepest nesting of arrays and objects. Default 32 (a start body needs 3).
    public var maxDepth = 32
    /// Most values (scalars, arrays and objects) in the document. Default 10,000 (a start body needs
    /// about 20).
    public var maxValues = 10_000

    public init() {}

    private enum Container {
        case array
        case object(keys: Set<String>)
    }

    private enum Expecting {
        case value, valueOrClose, keyOrClose, key, colon, separatorOrClose
    }

    /// What is wrong with `text`, or nil when it is one strict JSON document within the limits.
    public func problem(in text: String) -> String? {
        let bytes = Array(text.utf8)
        var stack: [Container] = []
        var expecting = Expecting.value
        var values = 0
        var index = 0
        func syntax(_ what: String) -> String { "The request body is not valid JSON: \(what) at byte \(index)" }

        while true {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
            guard index < bytes.count else {
                return stack.isEmpty && expecting == .separatorOrClose ? nil : syntax("it ends early")
            }
            let byte = bytes[index]
            switch expecting {
            case .value, .valueOrClose:
                if expecting == .valueOrClose, byte == UInt8(ascii: "]") {
                    stack.removeLast()
                    index += 1
                    expecting = .separatorOrClose
                    continue
                }
                values += 1
                guard values <= maxValues else { return "The request body has more than \(maxValues) values" }
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard stack.count < maxDepth else { return "The request body nests more than \(maxDepth) levels deep" }
                    stack.append(byte == UInt8(ascii: "{") ? .object(keys: []) : .array)
                    expecting = byte == UInt8(ascii: "{") ? .keyOrClose : .valueOrClose
                    index += 1
                    continue
                case UInt8(ascii: "\""):
                    guard let end = Self.endOfString(bytes, from: index) else { return syntax("a broken string") }
                    index = end + 1
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard let end = Self.endOfNumber(bytes, from: index) else { return syntax("a malformed number") }
                    index = end
                default:
                    guard let literal = [Array("true".utf8), Array("false".utf8), Array("null".utf8)].first(where: {
                        bytes.count - index >= $0.count && Array(bytes[index..<index + $0.count]) == $0
                    }) else { return syntax("an unexpected character") }
                    index += literal.count
                }
                expecting = .separatorOrClose
            case .keyOrClose, .key:
                if expecting == .keyOrClose, byte == UInt8(ascii: "}") {
                    stack.removeLast()
                    index += 1
                    expecting = .separatorOrClose
                    continue
                }
                guard byte == UInt8(ascii: "\""), let end = Self.endOfString(bytes, from: index) else { return syntax("a key that is not a string") }
                let key = Self.decodeKey(bytes[(index + 1)..<end])
                guard case .object(var keys)? = stack.last, !keys.contains(key) else {
                    return "The request body repeats the key \"\(key.count > 40 ? key.prefix(40) + "..." : key)\"; each key may appear once"
                }
                keys.insert(key)
                stack[stack.count - 1] = .object(keys: keys)
                index = end + 1
                expecting = .colon
            case .colon:
                guard byte == UInt8(ascii: ":") else { return syntax("a missing colon") }
                index += 1
                expecting = .value
            case .separatorOrClose:
                switch (stack.last, byte) {
                case (.array?, UInt8(ascii: ",")): expecting = .value
                case (.object?, UInt8(ascii: ",")): expecting = .key
                case (.array?, UInt8(ascii: "]")), (.object?, UInt8(ascii: "}")): stack.removeLast()
                case (nil, _): return syntax("more data after the document")
                default: return syntax("an unexpected character")
                }
                index += 1
            }
        }
    }

    /// The index of the quote that closes the string opening at `start`; nil for a control
    /// character, an invalid escape or no closing quote.
    private static func endOfString(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return index }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { return nil }
                let escape = bytes[index + 1]
                if escape == UInt8(ascii: "u") {
                    guard index + 5 < bytes.count, bytes[(index + 2)...(index + 5)].allSatisfy(\.isHexDigit) else { return nil }
                    index += 6
                    continue
                }
                guard Array(#""\/bfnrt"#.utf8).contains(escape) else { return nil }
                index += 2
                continue
            }
            index += 1
        }
        return nil
    }

    /// The index just past the number starting at `start`, or nil when it breaks the grammar
    /// (`01`, `1.`, `-`, `1e`).
    private static func endOfNumber(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index].isDigit { index += 1 }
            return index - first
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, bytes[index].isDigit else { return nil }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { _ = digits() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index].isDigit { return nil }  // a leading zero followed by digits
        return index
    }

    /// A key's text: its bytes as they are, or through the JSON parser when it holds escapes.
    private static func decodeKey(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        if case .string(let key)? = try? JSONValue.parse([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]) { return key }
        return String(decoding: raw, as: UTF8.self)
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
