/// How strictly `JSONValue.parse` reads text beyond RFC 8259's grammar, which it always enforces.
///
/// The default suits trusted or already-bounded text (a handler's result, a configuration file):
/// deep nesting is refused only to keep the recursion bounded, a repeated key keeps its last value
/// and a leading byte order mark is skipped. `strict(maxDepth:maxValues:)` suits a body from an
/// untrusted client.
public struct JSONParseOptions: Sendable, Equatable {
    /// Deepest nesting of arrays and objects (a top-level `[]` is 1). Default 512.
    public var maxDepth: Int
    /// Most values in the document: scalars, arrays and objects (member names not counted).
    /// Default `Int.max` (no limit beyond the text's own size).
    public var maxValues: Int
    /// Whether an object may repeat a key; when it may, the last value wins (as in Python's `json`).
    /// Default true.
    public var allowsRepeatedKeys: Bool
    /// Whether a leading UTF-8 byte order mark is skipped (RFC 8259 §8.1 allows ignoring one);
    /// when not, it is an unexpected character. Default true.
    public var skipsByteOrderMark: Bool

    public init(maxDepth: Int = 512, maxValues: Int = .max, allowsRepeatedKeys: Bool = true, skipsByteOrderMark: Bool = true) {
        self.maxDepth = maxDepth
        self.maxValues = maxValues
        self.allowsRepeatedKeys = allowsRepeatedKeys
        self.skipsByteOrderMark = skipsByteOrderMark
    }

    /// For a request body from a client: nesting and size bounded, and no repeated key (parsers
    /// disagree on which of its values wins, so a proxy or the page could read such a body
    /// differently from us) and no byte order mark.
    public static func strict(maxDepth: Int, maxValues: Int) -> JSONParseOptions {
        JSONParseOptions(maxDepth: maxDepth, maxValues: maxValues, allowsRepeatedKeys: false, skipsByteOrderMark: false)
    }
}
