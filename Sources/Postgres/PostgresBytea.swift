import Hashing

/// `bytea` values through the text protocol every statement here uses: the hex format PostgreSQL
/// reads and writes (`\x`, then two hex digits a byte). Binary-safe for any bytes, at twice their
/// size on the wire.
public enum PostgresBytea {
    /// `bytes` as a text parameter the server reads as `bytea` (write `$n::bytea` where the type is
    /// not clear from the statement).
    public static func parameter(_ bytes: [UInt8]) -> String {
        Hex.encode(bytes, prefix: "\\x")
    }

    /// The bytes of a `bytea` value in hex format: `\x…` as the server sends it (its default
    /// `bytea_output`), or bare hex digits as `encode(value, 'hex')` gives them. Nil for anything
    /// else (such as the `escape` output format).
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { characters in
            let hasPrefix = characters.count >= 2 && characters[0] == UInt8(ascii: "\\") && characters[1] == UInt8(ascii: "x")
            return Hex.decode(UnsafeBufferPointer(rebasing: characters[(hasPrefix ? 2 : 0)...]))
        }
    }
}
