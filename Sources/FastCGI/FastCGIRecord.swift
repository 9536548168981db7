/// FastCGI records in pure Swift, for the few responses the master writes itself (429 when the queue
/// timeout passes, 504 on a timeout, 502 on a crash) and for reading just enough of a request it
/// answers that way. Workers use libfcgi; this never parses a request a handler sees.
public enum FastCGIRecord {
    /// Record types (FastCGI 1.0, §8).
    public enum Kind: UInt8, Sendable {
        case beginRequest = 1, abortRequest = 2, endRequest = 3, params = 4, stdin = 5, stdout = 6, stderr = 7
        case data = 8, getValues = 9, getValuesResult = 10, unknownType = 11
    }

    /// The 8-byte record header.
    public struct Header: Sendable, Equatable {
        public var kind: UInt8
        public var requestId: UInt16
        public var contentLength: Int
        public var paddingLength: Int

        /// Reads a header at `offset`, or nil when fewer than 8 bytes remain or the version is not 1.
        public static func parse(_ bytes: [UInt8], at offset: Int) -> Header? {
            guard offset >= 0, bytes.count - offset >= 8, bytes[offset] == 1 else { return nil }
            return Header(
                kind: bytes[offset + 1],
                requestId: UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3]),
                contentLength: Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5]),
                paddingLength: Int(bytes[offset + 6]))
        }
    }

    /// A whole responder reply: STDOUT records carrying a CGI response (`Status:` line, headers,
    /// blank line, body), the empty STDOUT that ends the stream, and END_REQUEST.
    public static func response(
        requestId: UInt16, status: Int, reason: String, headers: [(String, String)], body: [UInt8]
    ) -> [UInt8] {
        var head = "Status: \(status) \(reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let payload = Array(head.utf8) + body
        var output: [UInt8] = []
        output.reserveCapacity(payload.count + 32 + payload.count / 65_535 * 8)
        var offset = 0
        while offset < payload.count {
            let length = min(65_535, payload.count - offset)
            appendHeader(&output, kind: .stdout, requestId: requestId, length: length)
            output.append(contentsOf: payload[offset..<(offset + length)])
            offset += length
        }
        appendHeader(&output, kind: .stdout, requestId: requestId, length: 0)
        appendHeader(&output, kind: .endRequest, requestId: requestId, length: 8)
        output.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])  // appStatus 0, FCGI_REQUEST_COMPLETE
        return output
    }

    private static func appendHeader(_ output: inout [UInt8], kind: Kind, requestId: UInt16, length: Int) {
        output.append(contentsOf: [
            1, kind.rawValue, UInt8(requestId >> 8), UInt8(requestId & 0xff),
            UInt8(length >> 8), UInt8(length & 0xff), 0, 0,
        ])
    }
}

/// What the master learns from the start of a request it answers itself.
public struct FastCGIRequestPreview: Sendable, Equatable {
    /// The request id from BEGIN_REQUEST.
    public var requestId: UInt16
    /// Whether nginx asked to keep the connection (FCGI_KEEP_CONN).
    public var keepConnection: Bool
    /// The parameters from the PARAMS records that were complete in the bytes given.
    public var parameters: [String: String]

    /// Scans the first bytes of a connection; nil when they do not start with BEGIN_REQUEST.
    /// Never traps, whatever the bytes: lengths are checked before every read.
    public static func scan(_ bytes: [UInt8]) -> FastCGIRequestPreview? {
        scan(bytes, parameters: nil)
    }

    /// The same, keeping only the parameters named in `wanted` (nil: all of them), so the master's
    /// peek at every request builds two strings rather than every header.
    public static func scan(_ bytes: [UInt8], parameters wanted: Set<String>?) -> FastCGIRequestPreview? {
        guard let begin = FastCGIRecord.Header.parse(bytes, at: 0),
            begin.kind == FastCGIRecord.Kind.beginRequest.rawValue, begin.contentLength >= 8,
            bytes.count >= 8 + 8
        else { return nil }
        var preview = FastCGIRequestPreview(
            requestId: begin.requestId, keepConnection: bytes[8 + 2] & 1 == 1, parameters: [:])
        var offset = 8 + begin.contentLength + begin.paddingLength
        var stream: [UInt8] = []
        while let header = FastCGIRecord.Header.parse(bytes, at: offset),
            header.kind == FastCGIRecord.Kind.params.rawValue
        {
            let start = offset + 8
            guard bytes.count >= start + header.contentLength else { break }
            if header.contentLength == 0 { break }
            stream.append(contentsOf: bytes[start..<(start + header.contentLength)])
            offset = start + header.contentLength + header.paddingLength
        }
        preview.parameters = decodeNameValuePairs(stream, wanted: wanted)
        return preview
    }

    /// FastCGI name-value pairs (§3.4): 1- or 4-byte lengths, then the name and value bytes.
    static func decodeNameValuePairs(_ bytes: [UInt8], wanted: Set<String>? = nil) -> [String: String] {
        var result: [String: String] = [:]
        var offset = 0
        func length() -> Int? {
            guard offset < bytes.count else { return nil }
            if bytes[offset] & 0x80 == 0 {
                offset += 1
                return Int(bytes[offset - 1])
            }
            guard bytes.count - offset >= 4 else { return nil }
            let value =
                Int(bytes[offset] & 0x7f) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                | Int(bytes[offset + 3])
            offset += 4
            return value
        }
        while let nameLength = length(), let valueLength = length() {
            guard bytes.count - offset >= nameLength, bytes.count - offset - nameLength >= valueLength else { break }
            let name = String(decoding: bytes[offset..<(offset + nameLength)], as: UTF8.self)
            offset += nameLength
            if wanted?.contains(name) ?? true {
                result[name] = String(decoding: bytes[offset..<(offset + valueLength)], as: UTF8.self)
            }
            offset += valueLength
        }
        return result
    }
}
