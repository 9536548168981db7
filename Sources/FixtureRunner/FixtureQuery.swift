/// Builds a case's request target: its `path` (which carries the query) made sendable, plus the legacy
/// `queryParams` / `queryStringParameters` maps merged into the query.
///
/// The rules, all inferred (reference 9 only says the aliases are "merged into the query of `path`"):
/// - an empty path is `/`, and a path that starts with `?` or lacks its leading slash gets one (`?a=1` is `/?a=1`);
/// - bytes that may not appear in a request target (controls, space, non-ASCII, `"` `<` `>` `\` `^` `` ` `` `{` `|`
///   `}` `#`) are percent-encoded as UTF-8, and so is a `%` that does not start a `%XX` escape; everything else,
///   including existing escapes, is kept as written, so a path that is already correct is sent unchanged;
/// - legacy parameters are appended after the path's own query, `queryParams` first, each map in key order (JSON
///   objects have none of their own); keys and values are fully percent-encoded (only `A-Z a-z 0-9 - . _ ~` stay),
///   and an array value repeats the key. A key also present in `path` is thus sent twice, and the legacy value is the
///   one a "last value wins" query map (reference 1.2) keeps.
enum FixtureQuery {
    /// The request target for `path` with `parameters` (already in order, values as text) appended to its query.
    static func target(path: String, parameters: [(name: String, value: String)]) -> String {
        var target = normalize(path)
        guard !parameters.isEmpty else { return target }
        let query = parameters.map { encodeComponent($0.name) + "=" + encodeComponent($0.value) }
            .joined(separator: "&")
        if !target.contains("?") {
            target += "?"
        } else if !(target.hasSuffix("?") || target.hasSuffix("&")) {
            target += "&"
        }
        return target + query
    }

    /// `path` with a leading slash and every byte a request target may not contain percent-encoded.
    static func normalize(_ path: String) -> String {
        let bytes = Array(path.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        if bytes.first != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        for (offset, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "%") {
                let isEscape =
                    offset + 2 < bytes.count && isHexDigit(bytes[offset + 1]) && isHexDigit(bytes[offset + 2])
                if isEscape { out.append(byte) } else { appendEscape(byte, to: &out) }
            } else if byte <= 0x20 || byte >= 0x7F || "\"<>\\^`{|}#".utf8.contains(byte) {
                appendEscape(byte, to: &out)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` with every byte but the RFC 3986 unreserved characters percent-encoded: safe as a query key or value.
    static func encodeComponent(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            if isUnreserved(byte) { out.append(byte) } else { appendEscape(byte, to: &out) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default:
            false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "%"))
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0x0F)])
    }
}
