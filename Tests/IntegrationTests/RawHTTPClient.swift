import Foundation

/// One HTTP/1.1 exchange over a plain POSIX socket: the request goes out exactly as given (bytes a
/// real client library would refuse to send: bare CR, NUL, invalid UTF-8, lower-case methods,
/// oversized headers), and the response is parsed by hand (status line, headers, and a body framed
/// by `Content-Length`, chunked encoding or the end of the connection).
///
/// Used by the hostile-input corpus, which must reach nginx with malformed requests. Every socket
/// has a receive timeout (default 10 s), so a server that hangs fails a test instead of stalling it.
enum RawHTTPClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `request` to 127.0.0.1:`port` and reads one final (non-1xx) response. A peer that
    /// stops reading (nginx refusing a body it will not take) is fine: the rest of the request is
    /// dropped and the response is read anyway.
    static func exchange(port: Int, request: [UInt8], isHead: Bool = false, timeoutSeconds: Int = 10) throws -> RawHTTPResponse {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect to port \(port) failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var offset = 0
        while offset < request.count {
            let written = request.withUnsafeBytes {
                send(descriptor, $0.baseAddress.map { $0 + offset }, request.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { break }  // the server stopped reading: its answer is what counts
            offset += written
        }

        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let response = RawHTTPResponse.parse(received, isHead: isHead, complete: false) { return response }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == ECONNRESET, !received.isEmpty { break }
            if count < 0 { throw Failure(description: "recv failed: errno \(errno) after \(received.count) bytes") }
            if count == 0 { break }
            received.append(contentsOf: chunk[0..<count])
        }
        guard let response = RawHTTPResponse.parse(received, isHead: isHead, complete: true) else {
            throw Failure(description: "no complete HTTP response (\(received.count) bytes: \(String(decoding: received.prefix(200), as: UTF8.self)))")
        }
        return response
    }
}

/// A parsed response: status, headers in order (names as sent), and the decoded body.
struct RawHTTPResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Parses the first final response in `bytes`; nil while it is incomplete. `complete` says the
    /// connection has ended, so a body without framing runs to the end of `bytes`.
    static func parse(_ bytes: [UInt8], isHead: Bool, complete: Bool) -> RawHTTPResponse? {
        var start = 0
        while true {
            guard let headEnd = find([13, 10, 13, 10], in: bytes, from: start) else { return nil }
            let lines = String(decoding: bytes[start..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
            let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
            guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else { return nil }
            var headers: [(name: String, value: String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            let bodyStart = headEnd + 4
            if status < 200 {
                start = bodyStart
                continue
            }
            let response = RawHTTPResponse(status: status, headers: headers, body: [])
            if isHead || status == 204 || status == 304 { return response }
            if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
                guard let body = dechunk(bytes, from: bodyStart) else { return nil }
                return RawHTTPResponse(status: status, headers: headers, body: body)
            }
            if let length = response.header("Content-Length").flatMap({ Int($0) }) {
                guard bytes.count - bodyStart >= length else { return nil }
                return RawHTTPResponse(status: status, headers: headers, body: Array(bytes[bodyStart..<bodyStart + length]))
            }
            guard complete else { return nil }
            return RawHTTPResponse(status: status, headers: headers, body: Array(bytes[bodyStart...]))
        }
    }

    /// A chunked body from `start`, or nil while its last chunk has not arrived.
    private static func dechunk(_ bytes: [UInt8], from start: Int) -> [UInt8]? {
        var body: [UInt8] = []
        var position = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: position) else { return nil }
            let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            let dataStart = lineEnd + 2
            if size == 0 { return body }
            guard bytes.count >= dataStart + size + 2 else { return nil }
            body.append(contentsOf: bytes[dataStart..<dataStart + size])
            position = dataStart + size + 2
        }
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        for index in start...(bytes.count - needle.count) where bytes[index] == needle[0] {
            if Array(bytes[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }
}
