/// Quoting for SQL identifiers (schema names), which, unlike values, cannot travel as `$n` parameters.
///
/// Values always go through parameters; an identifier is the one thing spliced into SQL text, and only ever in its
/// quoted form, so `t_p1_app`, `My Schema` or `x"; DROP TABLE y; --` are each a single, harmless name.
public enum PostgresIdentifier {
    /// Longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer ones are silently truncated by the
    /// server, so we refuse them instead.
    public static let maximumLength = 63

    /// `"name"` with embedded double quotes doubled.
    /// - Throws: `.invalidArgument` for an empty name, a NUL character or more than 63 UTF-8 bytes.
    public static func quoted(_ name: String) throws(PostgresError) -> String {
        guard !name.isEmpty, !name.utf8.contains(0), name.utf8.count <= maximumLength else {
            throw PostgresError(
                code: .invalidArgument,
                message: "invalid identifier \(String(reflecting: name)): "
                    + "must be 1...\(maximumLength) bytes without NUL",
                context: "quote identifier")
        }
        return "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    /// Escapes a value for libpq's `options` setting, which splits on whitespace: backslash and whitespace get a
    /// backslash in front (`-c search_path="My\ Schema",public`).
    static func escapedForOptions(_ value: String) -> String {
        var result = ""
        for character in value {
            if character == "\\" || character.isWhitespace { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
