/// A deliberately small Python tokenizer for source scans: names, string literals, single-character
/// symbols and logical line ends, with comments dropped and string contents never mistaken for code.
/// It does not validate anything; unknown characters become symbols.
public struct PythonLexer {
    public enum Kind: Sendable, Equatable {
        /// An identifier or keyword.
        case name(String)
        /// A string literal: its text when it is a plain constant (no f/b prefix, no backslash),
        /// nil otherwise.
        case string(String?)
        /// Any other single character (`.`, `[`, `(`, `,`, `=`, ...); numbers come as `0`.
        case symbol(Character)
        /// The end of a logical line (a newline outside brackets).
        case newline
    }

    public struct Token: Sendable, Equatable {
        public var kind: Kind
        /// 1-based line of the token's first character.
        public var line: Int
    }

    /// The tokens of `source`.
    public static func tokens(_ source: String) -> [Token] {
        let scalars = Array(source.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        var line = 1
        var depth = 0
        func peek(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }

        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\n":
                if depth == 0, tokens.last.map({ $0.kind != .newline }) ?? false { tokens.append(Token(kind: .newline, line: line)) }
                line += 1
                index += 1
            case " ", "\t", "\r", "\u{0C}":
                index += 1
            case "\\" where peek(1) == "\n":
                index += 2
                line += 1
            case "#":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "'", "\"":
                let startLine = line
                let text = readString(scalars, &index, &line)
                tokens.append(Token(kind: .string(text), line: startLine))
            case _ where isNameStart(scalar):
                var name = String.UnicodeScalarView()
                while index < scalars.count, isNameContinue(scalars[index]) {
                    name.append(scalars[index])
                    index += 1
                }
                let word = String(name)
                if let quote = peek(0), quote == "'" || quote == "\"", let constant = stringPrefixAllowsConstant(word) {
                    let startLine = line
                    let text = readString(scalars, &index, &line)
                    tokens.append(Token(kind: .string(constant ? text : nil), line: startLine))
                } else {
                    tokens.append(Token(kind: .name(word), line: line))
                }
            case _ where ("0"..."9").contains(scalar):
                while index < scalars.count, isNameContinue(scalars[index]) { index += 1 }
                tokens.append(Token(kind: .symbol("0"), line: line))
            default:
                if scalar == "(" || scalar == "[" || scalar == "{" { depth += 1 }
                if scalar == ")" || scalar == "]" || scalar == "}" { depth = max(0, depth - 1) }
                tokens.append(Token(kind: .symbol(Character(scalar)), line: line))
                index += 1
            }
        }
        return tokens
    }

    /// For a string prefix (`r`, `u`, `b`, `f` and their pairs, any case): whether the literal can
    /// be a constant text (not bytes, not an f-string); nil when `word` is not a prefix.
    private static func stringPrefixAllowsConstant(_ word: String) -> Bool? {
        let lower = word.lowercased()
        guard ["r", "u", "b", "f", "br", "rb", "fr", "rf"].contains(lower) else { return nil }
        return !lower.contains("b") && !lower.contains("f")
    }

    /// Reads a literal starting at its opening quote (single or triple); returns its text, or nil
    /// when it holds a backslash escape (not a plain constant). Stops at the end of the source when
    /// unterminated; a single-quoted literal also ends at its line's end.
    private static func readString(_ scalars: [Unicode.Scalar], _ index: inout Int, _ line: inout Int) -> String? {
        let quote = scalars[index]
        let triple = index + 2 < scalars.count && scalars[index + 1] == quote && scalars[index + 2] == quote
        index += triple ? 3 : 1
        var text = String.UnicodeScalarView()
        var plain = true
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.count {
                plain = false
                if scalars[index + 1] == "\n" { line += 1 }
                index += 2
                continue
            }
            if scalar == "\n" {
                line += 1
                if !triple {
                    index += 1
                    return nil
                }
            }
            if scalar == quote {
                if !triple {
                    index += 1
                    return plain ? String(text) : nil
                }
                if index + 2 < scalars.count, scalars[index + 1] == quote, scalars[index + 2] == quote {
                    index += 3
                    return plain ? String(text) : nil
                }
            }
            text.append(scalar)
            index += 1
        }
        return nil
    }

    private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic
    }

    private static func isNameContinue(_ scalar: Unicode.Scalar) -> Bool {
        isNameStart(scalar) || ("0"..."9").contains(scalar) || scalar.properties.numericType != nil
    }
}
