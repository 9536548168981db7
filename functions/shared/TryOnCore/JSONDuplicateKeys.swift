import FunctionRuntime

/// Finds a key that an object in a JSON document repeats (`{"a": 1, "a": 2}`).
///
/// JSON leaves duplicate keys' meaning open, and parsers disagree on which value wins, so a body
/// that repeats a key could be read one way by a proxy or the page and another way here: the
/// validator refuses such bodies. Runs on a document the JSON parser has already accepted (so
/// nesting is bounded and the syntax is known to be valid) in one pass without recursion. Keys are
/// compared after unescaping, so `"a"` and `"\u0061"` are the same key.
public enum JSONDuplicateKeys {
    private enum Frame {
        case array
        /// An object: the keys seen so far, and whether the next string is a key.
        case object(keys: Set<String>, expectingKey: Bool)
    }

    /// The first repeated key, or nil when every object's keys are distinct.
    public static func first(in bytes: some Collection<UInt8>) -> String? {
        let bytes = Array(bytes)
        var stack: [Frame] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"): stack.append(.object(keys: [], expectingKey: true))
            case UInt8(ascii: "["): stack.append(.array)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","):
                if case .object(let keys, _)? = stack.last { stack[stack.count - 1] = .object(keys: keys, expectingKey: true) }
            case UInt8(ascii: "\""):
                let end = endOfString(bytes, openingQuote: index)
                if case .object(var keys, true)? = stack.last {
                    let key = decodeKey(bytes[(index + 1)..<end])
                    if keys.contains(key) { return key }
                    keys.insert(key)
                    stack[stack.count - 1] = .object(keys: keys, expectingKey: false)
                }
                index = end
            default: break
            }
            index += 1
        }
        return nil
    }

    /// The index of the quote closing the string that opens at `openingQuote` (or the end).
    private static func endOfString(_ bytes: [UInt8], openingQuote: Int) -> Int {
        var index = openingQuote + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index
            default: index += 1
            }
        }
        return bytes.count
    }

    /// A key's text: its bytes as they are, or through the JSON parser when it holds escapes.
    private static func decodeKey(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        let literal = [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]
        if case .string(let key)? = try? JSONValue.parse(literal) { return key }
        return String(decoding: raw, as: UTF8.self)
    }
}
