/// Hides the credentials URLs can carry (`https://user:token@host/...`, `git+https://token@github.com/...`)
/// before a line is shown or recorded: requirement files may name private indexes this way, and
/// pip repeats requirement lines in its output.
public enum CredentialRedaction {
    /// `text` with the user-information part of every `scheme://user:password@host` replaced by `****`.
    public static func redact(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var searchFrom = 0
        while let separator = find(Array("://".utf8), in: bytes, from: searchFrom) {
            let authorityStart = separator + 3
            var index = authorityStart
            var at: Int?
            while index < bytes.count, !endsAuthority(bytes[index]) {
                if bytes[index] == UInt8(ascii: "@") { at = index }
                index += 1
            }
            if let at, at > authorityStart {
                bytes.replaceSubrange(authorityStart..<at, with: Array("****".utf8))
                searchFrom = authorityStart + 5
            } else {
                searchFrom = authorityStart
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func endsAuthority(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: " "), UInt8(ascii: "\t"),
            UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: ")"), UInt8(ascii: ">"):
            return true
        default:
            return false
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
