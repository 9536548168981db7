import FunctionRuntime

/// The stand-in's shorthands for building Replicate's JSON. Answers keep each object's member
/// order (`encodedBytes(sortedKeys: false)`), so they read like Replicate's (`id` first) and an
/// echoed `input` comes back as it was sent.
extension JSONValue {
    /// An integer as a JSON number.
    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }

    /// A string, or `null` when `value` is nil.
    static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// One page of a Replicate list, holding everything: `{"next": null, "previous": null, "results": [...]}`.
    static func page(_ results: [JSONValue]) -> JSONValue {
        .object(["next": .null, "previous": .null, "results": .array(results)])
    }
}

extension JSONParseOptions {
    /// How the stand-in reads request bodies (whose size the request reader bounds): nesting at
    /// most 64 deep, no byte order mark; a repeated key keeps its last value.
    static let standIn = JSONParseOptions(maxDepth: 64, skipsByteOrderMark: false)
}
