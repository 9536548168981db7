import CCurl

/// Why ``HTTPClient/send(_:)`` (or ``HTTPClient/init()``) produced no response.
///
/// One error type for the whole module, as a struct around a small ``Code`` so callers switch
/// on a handful of outcomes they can act on (retry, report 504, report 502) while the
/// ``message`` keeps libcurl's own words for logs. A received 4xx/5xx response is not an error.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, coarsely; libcurl's exact code is in ``HTTPClientError/curlCode``.
    public enum Code: Sendable, Hashable {
        /// The request was refused before any network traffic: bad method, header, URL,
        /// scheme or limit (see ``HTTPClientRequest/validate()``).
        case invalidRequest
        /// The host name did not resolve (`CURLE_COULDNT_RESOLVE_HOST`).
        case couldNotResolve
        /// Nothing accepted the connection: refused, unreachable (`CURLE_COULDNT_CONNECT`).
        case couldNotConnect
        /// The connect or whole-transfer timeout expired (`CURLE_OPERATION_TIMEDOUT`).
        case timedOut
        /// The body passed ``HTTPClientRequest/maxResponseBytes`` (announced or received).
        case responseTooLarge
        /// The peer closed or reset the connection before a complete response: nothing
        /// received, a receive/send failure or a short body (`CURLE_GOT_NOTHING`,
        /// `CURLE_RECV_ERROR`, `CURLE_SEND_ERROR`, `CURLE_PARTIAL_FILE`).
        case connectionLost
        /// Anything else libcurl reported (TLS failure, protocol error, out of memory ...).
        case transport
    }

    /// The coarse outcome to act on.
    public var code: Code
    /// Human-readable detail: the libcurl call, `curl_easy_strerror`'s text and, when libcurl
    /// filled it, its more specific error buffer. For logs; do not parse.
    public var message: String
    /// libcurl's `CURLcode` as a number when the error came from libcurl, else nil.
    public var curlCode: Int32?

    public init(code: Code, message: String, curlCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String {
        if let curlCode {
            return "HTTPClientError.\(code): \(message) (CURLcode \(curlCode))"
        }
        return "HTTPClientError.\(code): \(message)"
    }

    /// An `.invalidRequest` error with the given explanation.
    static func invalidRequest(_ message: String) -> HTTPClientError {
        HTTPClientError(code: .invalidRequest, message: message)
    }
}

extension HTTPClientError {
    /// Builds the error for a non-OK `CURLcode` returned by `operation`.
    ///
    /// - Parameters:
    ///   - curlCode: what libcurl returned; must not be `CURLE_OK`.
    ///   - operation: the call or option that failed, e.g. `curl_easy_perform`, `CURLOPT_URL`.
    ///   - detail: libcurl's error buffer contents, if any (already copied into Swift).
    ///   - responseCapHit: true if our write callback refused bytes because of
    ///     `maxResponseBytes`; only then does `CURLE_WRITE_ERROR` mean `.responseTooLarge`.
    init(curlCode: CURLcode, operation: String, detail: String = "", responseCapHit: Bool = false) {
        // curl_easy_strerror returns a pointer to a static string: copy it into Swift at once.
        let text = String(cString: curl_easy_strerror(curlCode))
        var message = "\(operation): \(text)"
        if !detail.isEmpty && detail != text {
            message += " (\(detail))"
        }
        let code = HTTPClientError.code(for: curlCode, responseCapHit: responseCapHit)
        if code == .responseTooLarge && responseCapHit {
            message += " (response body exceeded maxResponseBytes)"
        }
        self.init(code: code, message: message, curlCode: Int32(truncatingIfNeeded: curlCode.rawValue))
    }

    /// The one place a `CURLcode` becomes a ``Code``.
    static func code(for curlCode: CURLcode, responseCapHit: Bool) -> Code {
        switch curlCode {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_COULDNT_CONNECT:
            return .couldNotConnect
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .couldNotResolve
        case CURLE_WRITE_ERROR where responseCapHit, CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            return .connectionLost
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest
        default:
            return .transport
        }
    }
}
