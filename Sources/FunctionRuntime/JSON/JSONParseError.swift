/// Why text is not one JSON document (or not one within the `JSONParseOptions` limits), and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, coarse enough for a caller to word its own message (a 400's error text).
    public enum Kind: Sendable, Equatable {
        /// A byte that cannot stand where it is: not the start of a value, a misspelt `true`, a
        /// stray `,` or bracket.
        case unexpectedCharacter
        /// The text ends inside the document.
        case unexpectedEnd
        /// Something other than a string where an object's member name belongs.
        case expectedKey
        /// A member name not followed by `:`.
        case expectedColon
        /// A string with a raw control character, an unknown escape, a lone surrogate, invalid
        /// UTF-8 or no closing quote.
        case invalidString
        /// A number outside the grammar (`01`, `1.`, `-`, `1e`).
        case invalidNumber
        /// A number beyond a finite `Double` (`1e400`).
        case numberOutOfRange
        /// More text after the document.
        case textAfterValue
        /// Arrays and objects nested deeper than `limit` (`JSONParseOptions.maxDepth`).
        case tooDeep(limit: Int)
        /// More than `limit` values in all (`JSONParseOptions.maxValues`).
        case tooManyValues(limit: Int)
        /// An object repeats `key` (compared after unescaping) where the options refuse that.
        case repeatedKey(String)
    }

    public var kind: Kind
    /// The byte offset of what broke the document: the opening quote of a broken string, the
    /// first character of a malformed number or misspelt literal, the repeated key, the container
    /// one level too deep, else the unexpected byte itself (the text's length when it ends early).
    public var offset: Int
    /// A short phrase for `kind`, more precise for strings ("a lone surrogate").
    public var reason: String

    public init(_ kind: Kind, offset: Int, reason: String? = nil) {
        self.kind = kind
        self.offset = offset
        self.reason = reason ?? kind.summary
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONParseError.Kind {
    /// The kind in a few words, e.g. "a broken string", "it ends early".
    public var summary: String {
        switch self {
        case .unexpectedCharacter: "an unexpected character"
        case .unexpectedEnd: "it ends early"
        case .expectedKey: "a key that is not a string"
        case .expectedColon: "a missing colon"
        case .invalidString: "a broken string"
        case .invalidNumber: "a malformed number"
        case .numberOutOfRange: "a number out of range"
        case .textAfterValue: "more data after the document"
        case .tooDeep(let limit): "nested deeper than \(limit) levels"
        case .tooManyValues(let limit): "more than \(limit) values"
        case .repeatedKey(let key): "the key \"\(key)\" repeated"
        }
    }
}
