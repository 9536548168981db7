#if canImport(Glibc)
import Glibc
#endif
import CFCGI

/// One FastCGI request as the worker reads it: parameters in order and the body.
public struct FastCGIRequest: Sendable {
    /// The FastCGI request id (nginx uses 1).
    public var requestId: Int32
    /// Every parameter (`REQUEST_METHOD`, `HTTP_X_USER_ID`, ...) in the order nginx sent them;
    /// repeated names are kept.
    public var parameters: [(name: String, value: String)]
    /// The body, up to the reader's limit.
    public var body: [UInt8]
    /// The body's full length as announced by `CONTENT_LENGTH`; larger than `body.count` when it
    /// was over the limit (the rest was read and dropped).
    public var announcedBodyLength: Int
    /// Why the body could not be read in full (it ended before `CONTENT_LENGTH` bytes, or the
    /// connection failed in the middle of it), or nil. Such a request is answered 400 or dropped,
    /// never invoked; it is still finished with `finish()` like any other.
    public var incompleteBody: String?

    /// The last value of a parameter.
    public func parameter(_ name: String) -> String? {
        parameters.last { $0.name == name }?.value
    }
}

/// The worker side of FastCGI over libfcgi: reads one request at a time from a connection the
/// master passed in, writes its response, and says whether nginx keeps the connection.
///
/// libfcgi never accepts here: the master accepts every connection and hands it over, so the
/// request is bound to an adopted descriptor (`fh_fcgx_adopt_connection`). Not thread-safe; one
/// per worker process.
///
/// libfcgi keeps one request's state (its streams, parameters and descriptor) until
/// `FCGX_Finish_r`. Every request `read(from:)` returns is finished exactly once, by `finish()`,
/// whether its body could be read or not: a request left unfinished would have its end records
/// written, and its failed stream's close applied, to whatever connection the next `read` adopts.
/// `read` throws only when no request was accepted, and then libfcgi holds nothing.
public final class FastCGIResponder {
    private let request: UnsafeMutablePointer<FCGX_Request>
    /// A request was accepted and not finished yet.
    private var active = false

    public init() throws(FastCGIError) {
        let initialized = FCGX_Init()
        guard initialized == 0 else {
            throw FastCGIError(.initializationFailed, "FCGX_Init failed", returnCode: initialized)
        }
        request = .allocate(capacity: 1)
        let status = FCGX_InitRequest(request, -1, 0)
        guard status == 0 else {
            request.deallocate()
            throw FastCGIError(.initializationFailed, "FCGX_InitRequest failed", returnCode: status)
        }
        // libfcgi replaces SIGPIPE's disposition with a do-nothing handler; ignore it outright so a
        // write to a client that left returns EPIPE and nothing else happens.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit {
        FCGX_Free(request, 0)
        request.deallocate()
    }

    /// Reads the next request on `descriptor`. Bodies longer than `maxBodyBytes` are read to the end
    /// but only their first `maxBodyBytes + 1` bytes are kept, so the caller can answer 413.
    /// A body that ends early comes back with `incompleteBody` set rather than as an error: the
    /// request was accepted, so the caller answers it and calls `finish()`.
    public func read(from descriptor: Int32, maxBodyBytes: Int) throws(FastCGIError) -> FastCGIRequest {
        if active {
            // A caller that did not finish its last request: end it on its own connection, and
            // close that (it cannot be trusted for another request), before adopting the next.
            abandon()
        }
        fh_fcgx_adopt_connection(request, descriptor)
        let status = FCGX_Accept_r(request)
        guard status >= 0 else {
            // libfcgi closed the connection and freed the request's state; nothing is left to finish.
            fh_fcgx_release_connection(request)
            throw FastCGIError(.connectionClosed, "the connection ended before a request", returnCode: status)
        }
        active = true
        var parameters: [(name: String, value: String)] = []
        parameters.reserveCapacity(32)
        if var entry = request.pointee.envp {
            while let pointer = entry.pointee {
                parameters.append(Self.split(pointer))
                entry += 1
            }
        }
        let announced = max(0, Int(parameters.last { $0.name == "CONTENT_LENGTH" }?.value ?? "") ?? 0)
        let (body, failure) = readBody(announced: announced, limit: maxBodyBytes)
        return FastCGIRequest(
            requestId: request.pointee.requestId, parameters: parameters, body: body, announcedBodyLength: announced,
            incompleteBody: failure)
    }

    /// Writes the whole response. False when the client is gone (nginx closed the connection, for
    /// example after its own timeout); the invocation still counts, nothing else is affected.
    @discardableResult
    public func write(status: Int, reason: String, headers: [(String, String)], body: [UInt8]) -> Bool {
        // Built as bytes: one buffer, no String appends (each re-checks the string's encoding).
        var head: [UInt8] = []
        head.reserveCapacity(64 + headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
        head.append(contentsOf: "Status: ".utf8)
        head.append(contentsOf: String(status).utf8)
        head.append(UInt8(ascii: " "))
        head.append(contentsOf: reason.utf8)
        head.append(contentsOf: "\r\n".utf8)
        for (name, value) in headers {
            head.append(contentsOf: name.utf8)
            head.append(contentsOf: ": ".utf8)
            head.append(contentsOf: value.utf8)
            head.append(contentsOf: "\r\n".utf8)
        }
        head.append(contentsOf: "\r\n".utf8)
        var written = head.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { FCGX_PutStr($0.baseAddress, Int32($0.count), request.pointee.out) }
        }
        if written >= 0, !body.isEmpty {
            written = body.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    FCGX_PutStr($0.baseAddress, Int32($0.count), request.pointee.out)
                }
            }
        }
        return written >= 0 && FCGX_GetError(request.pointee.out) == 0
    }

    /// Ends the request (flushes, sends END_REQUEST). Returns true when nginx asked to keep the
    /// connection: libfcgi then leaves the descriptor open and the caller keeps it (to read the
    /// next request on it with `read(from:)`). Otherwise libfcgi has closed it.
    /// A request whose input failed (a connection that ended in the middle of the body) is never
    /// kept: libfcgi closes it.
    public func finish() -> Bool {
        guard active else { return false }
        active = false
        FCGX_Finish_r(request)
        let kept = fh_fcgx_kept_connection(request) >= 0
        if kept { fh_fcgx_release_connection(request) }
        return kept
    }

    /// Finishes the current request and closes its connection whatever nginx asked for.
    private func abandon() {
        active = false
        request.pointee.keepConnection = 0
        FCGX_Finish_r(request)
        fh_fcgx_release_connection(request)
    }

    /// The body (up to `limit + 1` bytes), and why it ended early when it did.
    private func readBody(announced: Int, limit: Int) -> (body: [UInt8], failure: String?) {
        guard announced > 0 else { return ([], nil) }
        let keep = min(announced, limit + 1)
        var body = [UInt8](repeating: 0, count: keep)
        var filled = 0
        while filled < keep {
            let got = body.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    FCGX_GetStr($0.baseAddress.map { $0 + filled }, Int32(keep - filled), request.pointee.in)
                }
            }
            guard got > 0 else { break }
            filled += Int(got)
        }
        guard filled == keep else {
            body.removeSubrange(filled...)
            let cause = FCGX_GetError(request.pointee.in) == 0 ? "ended" : "was cut off"
            return (body, "the body \(cause) after \(filled) of \(announced) bytes")
        }
        // Drop what is over the limit so that the stream is clean for a kept-alive connection.
        if announced > keep {
            var scratch = [CChar](repeating: 0, count: 65_536)
            var remaining = announced - keep
            while remaining > 0 {
                let got = scratch.withUnsafeMutableBufferPointer {
                    FCGX_GetStr($0.baseAddress, Int32(min(remaining, $0.count)), request.pointee.in)
                }
                guard got > 0 else { break }
                remaining -= Int(got)
            }
        }
        return (body, nil)
    }

    /// `NAME=value` -> (NAME, value), copying the C string at once (libfcgi frees it at the next request).
    private static func split(_ pointer: UnsafeMutablePointer<CChar>) -> (name: String, value: String) {
        let length = strlen(pointer)
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
            return (String(decoding: bytes, as: UTF8.self), "")
        }
        return (
            String(decoding: bytes[..<equals], as: UTF8.self),
            String(decoding: bytes[(equals + 1)...], as: UTF8.self)
        )
    }
}
