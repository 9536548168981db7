/// One HTTP header field: a name and a value, as sent or as received.
///
/// Headers are kept as an ordered array of these rather than a dictionary because HTTP allows
/// a name to repeat (`Set-Cookie`, `Via`, `Link`) and because the order is part of what a
/// server sent. Names keep the spelling they had; compare them case-insensitively
/// (``HTTPHeader/hasName(_:)``), as RFC 9110 says field names are case-insensitive.
public struct HTTPHeader: Sendable, Hashable {
    /// The field name, e.g. `Content-Type`. Must be an RFC 9110 token when sent.
    public var name: String
    /// The field value with surrounding whitespace trimmed. May be empty.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// True if this header's name equals `other`, ignoring ASCII case.
    public func hasName(_ other: String) -> Bool {
        HTTPHeader.asciiLowercased(name) == HTTPHeader.asciiLowercased(other)
    }
}

extension HTTPHeader {
    /// Parses one raw line delivered by libcurl's header callback.
    ///
    /// Returns nil for lines that are not a `Name: value` field: the blank line ending the
    /// header block, and any malformed line without a colon. Status lines are recognised
    /// separately with ``isStatusLine(_:)``. The trailing CR LF and whitespace around the value
    /// are trimmed. Bytes are decoded as UTF-8, invalid sequences replaced (header values are
    /// ASCII in practice; obsolete Latin-1 values still arrive, just not bit-exact).
    init?(rawLine bytes: UnsafeRawBufferPointer) {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let nameBytes = HTTPHeader.trimmed(bytes[bytes.startIndex..<colon])
        guard !nameBytes.isEmpty else { return nil }
        let valueBytes = HTTPHeader.trimmed(bytes[(colon + 1)..<bytes.endIndex])
        self.name = String(decoding: nameBytes, as: UTF8.self)
        self.value = String(decoding: valueBytes, as: UTF8.self)
    }

    /// True if the raw header-callback line starts a new response (`HTTP/1.1 200 OK`, `HTTP/2 302`).
    ///
    /// libcurl hands every status line to the header callback: interim 1xx responses, and the
    /// final one. Seeing one means every header collected so far belonged to an earlier response.
    static func isStatusLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let prefix: [UInt8] = Array("HTTP/".utf8)
        guard bytes.count >= prefix.count else { return false }
        return zip(bytes, prefix).allSatisfy { $0 == $1 }
    }

    /// True if the raw line is an obsolete folded continuation (starts with a space or a tab).
    static func isContinuationLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first else { return false }
        return first == UInt8(ascii: " ") || first == UInt8(ascii: "\t")
    }

    /// The line's content with leading and trailing whitespace (space, tab, CR, LF) removed.
    static func trimmedText(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: trimmed(bytes[...]), as: UTF8.self)
    }

    private static func trimmed(_ slice: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var start = slice.startIndex
        var end = slice.endIndex
        while start < end, isWhitespace(slice[start]) { start += 1 }
        while end > start, isWhitespace(slice[end - 1]) { end -= 1 }
        return slice[start..<end]
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\n")
    }

    /// Lower-cases ASCII letters only, so the comparison never depends on the locale or on
    /// Unicode case folding (field names are ASCII tokens).
    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}

extension Array where Element == HTTPHeader {
    /// The value of the last header called `name` (ASCII case-insensitive), or nil if absent.
    ///
    /// "Last" because a later repetition of a single-valued header is what most HTTP stacks
    /// act on; use `filter { $0.hasName(...) }` to see every repetition.
    public func lastValue(for name: String) -> String? {
        let wanted = HTTPHeader.asciiLowercased(name)
        return last { HTTPHeader.asciiLowercased($0.name) == wanted }?.value
    }
}
