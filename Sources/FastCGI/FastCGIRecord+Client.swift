/// The client side of FastCGI, for requests the master makes itself (timer triggers) and for
/// reading the answers: a whole request as records, and the status of a finished response.
extension FastCGIRecord {
    /// BEGIN_REQUEST (responder; FCGI_KEEP_CONN when `keepConnection`), PARAMS, STDIN: a whole request.
    public static func request(
        requestId: UInt16, parameters: [(String, String)], body: [UInt8], keepConnection: Bool = false
    ) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256 + body.count)
        appendRecord(
            &output, kind: .beginRequest, requestId: requestId, content: [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])
        var pairs: [UInt8] = []
        for (name, value) in parameters {
            appendLength(&pairs, name.utf8.count)
            appendLength(&pairs, value.utf8.count)
            pairs.append(contentsOf: name.utf8)
            pairs.append(contentsOf: value.utf8)
        }
        appendStream(&output, kind: .params, requestId: requestId, bytes: pairs)
        appendStream(&output, kind: .stdin, requestId: requestId, bytes: body)
        return output
    }

    /// What a complete responder answer says: the status from its `Status:` header (200 when there
    /// is none) and the body; nil until END_REQUEST has arrived. Only the first answer counts:
    /// records after its END_REQUEST belong to whatever comes next on the connection.
    public static func parseResponse(_ bytes: [UInt8]) -> (status: Int, body: [UInt8])? {
        var offset = 0
        var stdout: [UInt8] = []
        var ended = false
        while !ended, let header = Header.parse(bytes, at: offset) {
            let start = offset + 8
            guard bytes.count >= start + header.contentLength else { break }
            if header.kind == Kind.stdout.rawValue { stdout.append(contentsOf: bytes[start..<(start + header.contentLength)]) }
            if header.kind == Kind.endRequest.rawValue { ended = true }
            offset = start + header.contentLength + header.paddingLength
        }
        guard ended else { return nil }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = stdout.indices.first(where: { stdout[$0...].starts(with: separator) }) else {
            return (200, stdout)
        }
        var status = 200
        for line in stdout[..<end].split(separator: 10) {
            let text = String(decoding: line, as: UTF8.self)
            if text.lowercased().hasPrefix("status:") {
                let value = text.dropFirst(7).drop { $0 == " " }
                status = Int(value.prefix { $0.isNumber }) ?? 200
            }
        }
        return (status, Array(stdout[(end + 4)...]))
    }

    private static func appendStream(_ output: inout [UInt8], kind: Kind, requestId: UInt16, bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let length = min(65_535, bytes.count - offset)
            appendRecord(&output, kind: kind, requestId: requestId, content: bytes[offset..<(offset + length)])
            offset += length
        }
        appendRecord(&output, kind: kind, requestId: requestId, content: [])
    }

    private static func appendRecord(_ output: inout [UInt8], kind: Kind, requestId: UInt16, content: some Collection<UInt8>) {
        output.append(contentsOf: [
            1, kind.rawValue, UInt8(requestId >> 8), UInt8(requestId & 0xff),
            UInt8(content.count >> 8), UInt8(content.count & 0xff), 0, 0,
        ])
        output.append(contentsOf: content)
    }

    private static func appendLength(_ output: inout [UInt8], _ length: Int) {
        if length < 128 {
            output.append(UInt8(length))
        } else {
            output.append(contentsOf: [
                UInt8((length >> 24) & 0x7f) | 0x80, UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff),
                UInt8(length & 0xff),
            ])
        }
    }
}
