/// The EventBuilder target's input format: what a FastCGI worker reads for one request.
///
///     <flags byte> NAME=value \0 NAME=value \0 ... \0 \0 <body bytes>
///
/// The first byte's low three bits choose the edge options (bit 0: rewrite `Authorization` and
/// cookies, bit 1: add gateway headers, bit 2: a 4 KiB event limit instead of 3.5 MB, so the 413 path
/// is reached too); `'3'` is the platform's default. Then come the FastCGI parameters as libfcgi hands
/// them over (NUL-terminated `NAME=value` strings, split at the first `=`, decoded as UTF-8 with
/// repair), an empty one ending the list; every byte after it is the body. Without the empty entry
/// the whole rest is parameters and the body is empty.
public struct CGIInput: Sendable {
    public var flags: UInt8
    public var parameters: [(name: String, value: String)]
    public var body: [UInt8]

    public init(_ bytes: [UInt8]) {
        flags = bytes.first ?? 0
        parameters = []
        body = []
        var index = bytes.isEmpty ? 0 : 1
        while index < bytes.count {
            let end = bytes[index...].firstIndex(of: 0) ?? bytes.count
            if end == index {  // the empty entry: the body follows
                body = Array(bytes[(end + 1)...])
                return
            }
            parameters.append(Self.split(bytes[index..<end]))
            index = end + 1
        }
    }

    /// `NAME=value` -> (NAME, value), as FastCGIResponder splits libfcgi's environment strings.
    static func split(_ entry: ArraySlice<UInt8>) -> (name: String, value: String) {
        guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else {
            return (String(decoding: entry, as: UTF8.self), "")
        }
        return (
            String(decoding: entry[..<equals], as: UTF8.self),
            String(decoding: entry[(equals + 1)...], as: UTF8.self)
        )
    }
}
