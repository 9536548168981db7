import Glibc

/// One request as ``TestHTTPServer`` received it.
public struct TestHTTPRequest: Sendable {
    public var method: String
    /// Path plus query, as sent (`/echo?x=1`).
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public var path: String { String(target.prefix { $0 != "?" }) }

    /// The last value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Integer value of query parameter `name`, if present and numeric.
    public func query(_ name: String) -> Int? {
        guard let question = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return Int(parts[1]) }
        }
        return nil
    }
}

/// What ``TestHTTPServer`` sends back for one request.
public struct TestHTTPReply: Sendable {
    /// Raw bytes written to the socket (status line, headers, body), exactly as given.
    public var bytes: [UInt8]
    /// Wait this long (milliseconds) before writing: a slow server.
    public var delayMilliseconds = 0
    /// Close the connection after writing (or at once, if `bytes` is empty).
    public var closeAfter = false

    public init(bytes: [UInt8], delayMilliseconds: Int = 0, closeAfter: Bool = false) {
        self.bytes = bytes
        self.delayMilliseconds = delayMilliseconds
        self.closeAfter = closeAfter
    }

    /// No answer at all, the connection kept open: a hung peer.
    public static let silence = TestHTTPReply(bytes: [])

    /// A well-formed response with `Content-Length`; `head` leaves the body out (HEAD).
    public static func response(
        status: Int, reason: String = "OK", headers: [(String, String)] = [], body: [UInt8] = [], head: Bool = false,
        closeAfter: Bool = false
    ) -> TestHTTPReply {
        var text = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if closeAfter { text += "Connection: close\r\n" }
        text += "Content-Length: \(body.count)\r\n\r\n"
        return TestHTTPReply(bytes: Array(text.utf8) + (head ? [] : body), closeAfter: closeAfter)
    }
}

/// Reads requests off one socket, keeping bytes that arrive past a request for the next one.
struct TestHTTPRequestReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> TestHTTPRequest? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            headEnd = RawHTTPResponse.find(terminator, in: buffer, from: 0)
            if headEnd == nil && !fill() { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + terminator.count)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }))
        }
        let length = headers.last { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < length {
            if !fill() { return nil }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return TestHTTPRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    /// Appends whatever the socket has; false on EOF or error.
    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }
}
