/// A response read off a raw socket: status, headers in order (names as sent), and the decoded body.
public struct RawHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The last value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Parses the first response in `bytes`, interim (1xx) ones included; nil while it is
    /// incomplete. `complete` says the connection has ended, so a body without framing runs to the
    /// end of `bytes`. Also returns how many bytes the response took (what follows belongs to the
    /// next one on a kept-alive connection).
    public static func parse(_ bytes: [UInt8], isHead: Bool, complete: Bool) -> (response: RawHTTPResponse, length: Int)? {
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), trimmed(line[line.index(after: colon)...])))
        }
        let bodyStart = headEnd + 4
        var response = RawHTTPResponse(status: status, headers: headers, body: [])
        if status < 200 || isHead || status == 204 || status == 304 { return (response, bodyStart) }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            guard let (body, end) = dechunk(bytes, from: bodyStart) else { return nil }
            response.body = body
            return (response, end)
        }
        if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            guard bytes.count - bodyStart >= length else { return nil }
            response.body = Array(bytes[bodyStart..<bodyStart + length])
            return (response, bodyStart + length)
        }
        guard complete else { return nil }
        response.body = Array(bytes[bodyStart...])
        return (response, bytes.count)
    }

    /// A chunked body from `start` and where it ends, or nil while its last chunk has not arrived.
    private static func dechunk(_ bytes: [UInt8], from start: Int) -> ([UInt8], Int)? {
        var body: [UInt8] = []
        var position = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: position) else { return nil }
            let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(trimmed(sizeText), radix: 16) else { return nil }
            let dataStart = lineEnd + 2
            if size == 0 {
                // The last chunk, then (no trailers here) the final CRLF.
                return (body, min(bytes.count, dataStart + 2))
            }
            guard bytes.count >= dataStart + size + 2 else { return nil }
            body.append(contentsOf: bytes[dataStart..<dataStart + size])
            position = dataStart + size + 2
        }
    }

    /// Where `needle` first starts in `bytes` at or after `start`.
    public static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        for index in start...(bytes.count - needle.count) where bytes[index] == needle[0] {
            if bytes[index..<index + needle.count].elementsEqual(needle) { return index }
        }
        return nil
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
