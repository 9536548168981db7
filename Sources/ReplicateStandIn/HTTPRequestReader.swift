/// Reads successive HTTP/1.1 requests from one connection (keep-alive), with buffering.
///
/// Bytes past the end of one request stay in the buffer for the next, so pipelined requests
/// work. Bodies must carry `Content-Length`; `Transfer-Encoding` (chunked) is refused with 411,
/// because without it the next request's start cannot be found. `Expect: 100-continue` (libcurl
/// sends it for large POST bodies) gets an interim `100 Continue` before the body is read.
struct HTTPRequestReader {
    /// What the next read produced.
    enum Outcome {
        /// A complete request.
        case request(HTTPRequest)
        /// The peer closed (or the idle timeout passed) between requests, or mid-request.
        case endOfStream
        /// The bytes are not an acceptable request: send this answer, then close the connection.
        case reject(HTTPResponse)
    }

    /// The connection's descriptor (owned by the caller).
    let fd: Int32
    /// Largest request line plus headers accepted; default 64 KiB, beyond it 431.
    let maxHeaderBytes: Int
    /// Largest body accepted; beyond it 413. Data-URI images make bodies large, so the default
    /// in ``ReplicateStandInConfiguration`` is 32 MiB.
    let maxBodyBytes: Int

    private var buffer: [UInt8] = []
    private static let headerEnd: [UInt8] = [13, 10, 13, 10]

    init(fd: Int32, maxHeaderBytes: Int = 65_536, maxBodyBytes: Int) {
        self.fd = fd
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Blocks until a whole request is buffered, the stream ends, or the input is refused.
    mutating func next() -> Outcome {
        var scanned = 0
        var headEnd: Int?
        while headEnd == nil {
            while buffer.starts(with: [13, 10]) { buffer.removeFirst(2) }  // stray CRLFs between requests
            headEnd = Self.find(Self.headerEnd, in: buffer, from: max(0, scanned - 3))
            if headEnd != nil { break }
            scanned = buffer.count
            if buffer.count > maxHeaderBytes {
                return .reject(.problem(431, detail: "Request line and headers exceed \(maxHeaderBytes) bytes."))
            }
            guard fill() else { return .endOfStream }
        }
        guard let headEnd else { return .endOfStream }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        let bodyStart = headEnd + 4
        let parsed: HTTPRequest
        switch Self.parseHead(head) {
        case let .success(request): parsed = request
        case let .failure(response): return .reject(response)
        }
        if parsed.header("Transfer-Encoding") != nil {
            return .reject(.problem(411, detail: "Chunked request bodies are not supported; send Content-Length."))
        }
        let lengths = parsed.headers.filter { $0.name.lowercased() == "content-length" }.map(\.value)
        var length = 0
        if let first = lengths.first {
            guard let value = Int(first.trimmingCharacters(in: " \t")), value >= 0,
                  lengths.allSatisfy({ $0.trimmingCharacters(in: " \t") == first.trimmingCharacters(in: " \t") })
            else { return .reject(.problem(400, detail: "Invalid Content-Length header.")) }
            length = value
        }
        guard length <= maxBodyBytes else {
            return .reject(.problem(413, detail: "Request body exceeds \(maxBodyBytes) bytes."))
        }
        if length > 0, buffer.count < bodyStart + length,
           (parsed.header("Expect") ?? "").lowercased() == "100-continue" {
            _ = try? POSIXSocket.writeAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while buffer.count < bodyStart + length {
            guard fill() else { return .endOfStream }
        }
        var request = parsed
        request.body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return .request(request)
    }

    /// Appends one read's worth of bytes; false at end of stream or on a read error/timeout.
    private mutating func fill() -> Bool {
        guard let chunk = try? POSIXSocket.read(fd), !chunk.isEmpty else { return false }
        buffer.append(contentsOf: chunk)
        return true
    }

    private enum HeadResult {
        case success(HTTPRequest)
        case failure(HTTPResponse)
    }

    /// Parses the request line and header lines (everything before the blank line).
    private static func parseHead(_ head: String) -> HeadResult {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let requestLine = lines.first else { return .failure(.problem(400, detail: "Empty request.")) }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") || parts[1] == "*" else {
            return .failure(.problem(400, detail: "Malformed request line."))
        }
        let version = String(parts[2])
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .failure(.problem(505, detail: "Only HTTP/1.0 and HTTP/1.1 are supported."))
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                return .failure(.problem(400, detail: "Malformed header line."))
            }
            let name = String(line[..<colon])
            guard !name.contains(" "), !name.contains("\t") else {
                return .failure(.problem(400, detail: "Whitespace in a header name."))
            }
            headers.append((name, line[line.index(after: colon)...].trimmingCharacters(in: " \t")))
        }
        return .success(HTTPRequest(method: String(parts[0]), target: String(parts[1]), version: version,
                                    headers: headers))
    }

    /// The index where `needle` starts in `haystack` at or after `from`, or nil.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}
