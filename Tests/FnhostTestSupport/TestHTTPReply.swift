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
