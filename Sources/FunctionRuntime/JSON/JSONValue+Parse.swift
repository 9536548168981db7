/// Parsing JSON text (RFC 8259) into a `JSONValue` straight from its bytes: a handler's result is
/// parsed on every invocation of a language runtime's function, where `JSONDecoder` (which tries
/// each type in turn for every value) cost a third of the worker's instructions.
///
/// Always strict about the grammar: one value with optional whitespace around it; no trailing
/// commas, comments, single quotes, `NaN` or leading zeros; strings must be valid UTF-8 with no raw
/// control characters, and `\u` escapes pair their surrogates; numbers must fit a finite `Double`.
/// Nesting, size, repeated keys and a byte order mark follow `JSONParseOptions`; nesting is always
/// bounded, so no input recurses without limit. Errors are `JSONParseError`s naming the kind of
/// problem and its byte offset.
extension JSONValue {
    /// Parses a whole JSON document (any value at the top level, as RFC 8259 allows).
    public static func parse(_ bytes: some Collection<UInt8>, options: JSONParseOptions = JSONParseOptions()) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { JSONParser.parse($0, options) }
            ?? Array(bytes).withUnsafeBufferPointer { JSONParser.parse($0, options) }
        return try result.get()
    }

    public static func parse(_ text: String, options: JSONParseOptions = JSONParseOptions()) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { JSONParser.parse($0, options) }.get()
    }
}

enum JSONParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ options: JSONParseOptions) -> Result<JSONValue, JSONParseError> {
        Result { () throws(JSONParseError) in try document(bytes, options) }
    }

    static func document(_ bytes: UnsafeBufferPointer<UInt8>, _ options: JSONParseOptions) throws(JSONParseError) -> JSONValue {
        var parser = Cursor(bytes: bytes, options: options)
        if options.skipsByteOrderMark, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.position = 3 }
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error(.textAfterValue) }
        return value
    }

    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let options: JSONParseOptions
        var position = 0
        /// Values begun so far, against `options.maxValues`.
        var values = 0

        init(bytes: UnsafeBufferPointer<UInt8>, options: JSONParseOptions) {
            self.bytes = bytes
            self.options = options
        }

        func error(_ kind: JSONParseError.Kind, at offset: Int? = nil, _ reason: String? = nil) -> JSONParseError {
            JSONParseError(kind, offset: offset ?? position, reason: reason)
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// One value; the cursor on its first byte. `depth`: containers open around it.
        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard let byte = current else { throw error(.unexpectedEnd) }
            values += 1
            guard values <= options.maxValues else { throw error(.tooManyValues(limit: options.maxValues)) }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error(.unexpectedCharacter)
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONParseError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw error(.unexpectedCharacter) }
            for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
                throw error(.unexpectedCharacter)
            }
            position += count
        }

        mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= options.maxDepth else { throw error(.tooDeep(limit: options.maxDepth)) }
            position += 1
            var members = JSONObject()
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard let byte = current else { throw error(.unexpectedEnd) }
                guard byte == UInt8(ascii: "\"") else { throw error(.expectedKey) }
                let keyStart = position
                let key = try string()
                let repeated = members.contains(key)
                if repeated, !options.allowsRepeatedKeys { throw error(.repeatedKey(key), at: keyStart) }
                skipWhitespace()
                guard let colon = current else { throw error(.unexpectedEnd) }
                guard colon == UInt8(ascii: ":") else { throw error(.expectedColon) }
                position += 1
                skipWhitespace()
                let member = try value(depth: depth)
                if repeated { members[key] = member } else { members.append(key, member) }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ",")?: position += 1
                case UInt8(ascii: "}")?:
                    position += 1
                    return .object(members)
                case nil: throw error(.unexpectedEnd)
                default: throw error(.unexpectedCharacter)
                }
            }
        }

        mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= options.maxDepth else { throw error(.tooDeep(limit: options.maxDepth)) }
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ",")?: position += 1
                case UInt8(ascii: "]")?:
                    position += 1
                    return .array(elements)
                case nil: throw error(.unexpectedEnd)
                default: throw error(.unexpectedCharacter)
                }
            }
        }

        /// A string literal; the cursor is on its opening quote. Errors point at that quote.
        mutating func string() throws(JSONParseError) -> String {
            let quote = position
            func broken(_ reason: String) -> JSONParseError { JSONParseError(.invalidString, offset: quote, reason: reason) }
            position += 1
            let start = position
            // The common case: no escapes, so the text is one slice of the input.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    guard let text = String(validating: slice, as: UTF8.self) else { throw broken("a string that is not valid UTF-8") }
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw broken("a control character inside a string") }
                position += 1
            }
            var output = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    guard let text = String(validating: output, as: UTF8.self) else { throw broken("a string that is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    position += 1
                    guard let escape = current else { throw broken("an unterminated string") }
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "u"):
                        output.append(contentsOf: String(Character(try unicodeEscape(quote: quote))).utf8)
                    default: throw broken("an unknown escape")
                    }
                default:
                    guard byte >= 0x20 else { throw broken("a control character inside a string") }
                    output.append(byte)
                    position += 1
                }
            }
            throw broken("an unterminated string")
        }

        /// Four hex digits, or nil.
        mutating func hex4() -> UInt32? {
            guard position + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        /// `\uXXXX` (the cursor after the `u`), a surrogate pair joined. Errors point at the
        /// string's opening quote, `quote`.
        mutating func unicodeEscape(quote: Int) throws(JSONParseError) -> Unicode.Scalar {
            func broken(_ reason: String) -> JSONParseError { JSONParseError(.invalidString, offset: quote, reason: reason) }
            guard var scalar = hex4() else { throw broken("a \\u escape without four hex digits") }
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw broken("a lone surrogate")
                }
                position += 2
                guard let low = hex4() else { throw broken("a \\u escape without four hex digits") }
                guard (0xDC00...0xDFFF).contains(low) else { throw broken("a lone surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw broken("a lone surrogate") }
            return unicode
        }

        /// A number (the cursor on its first character), checked against the grammar, then read.
        /// Errors point at its first character.
        mutating func number() throws(JSONParseError) -> Double {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
                throw error(.invalidNumber, at: start, "a digit expected")
            }
            if first == UInt8(ascii: "0") {
                position += 1
                if skipDigits() > 0 { throw error(.invalidNumber, at: start, "a leading zero") }
            } else {
                skipDigits()
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard skipDigits() > 0 else { throw error(.invalidNumber, at: start, "a digit expected after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard skipDigits() > 0 else { throw error(.invalidNumber, at: start, "a digit expected in the exponent") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw error(.numberOutOfRange, at: start) }
            return value
        }

        @discardableResult
        mutating func skipDigits() -> Int {
            let start = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - start
        }
    }
}
