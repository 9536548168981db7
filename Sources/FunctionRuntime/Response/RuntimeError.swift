/// Everything the runtime itself can answer instead of a handler, with the platform's status code and
/// JSON body. `httpStatus` and `responseBody` are the one place where codes become HTTP.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The handler threw (or its process crashed): 502 `{errorMessage, errorType, stackTrace}`.
        case handlerFailed
        /// The handler's process died while running the invocation: 502, as a thrown error.
        case processCrashed
        /// The function could not start (its initializer threw): 502, as a thrown error.
        case initializationFailed
        /// The handler's result breaks the response contract: 502 `ProxyIntegrationError` with `payload`.
        case malformedResponse
        /// The response payload exceeds 3.5 MB: 502.
        case responseTooLarge
        /// The handler ran past its timeout: 504.
        case timeout
        /// The request event exceeds 3.5 MB: 413.
        case payloadTooLarge
        /// No function by that uuid or name: 404.
        case functionNotFound
        /// Path segments after the function id: 400.
        case invalidPath
        /// The request itself could not be read (its body ended before `CONTENT_LENGTH` bytes): 400.
        case incompleteRequest
        /// Every process of the function stayed busy for the whole queue timeout: 429.
        case throttled
        /// The host is shutting down or cannot serve the function now: 503.
        case unavailable
    }

    public var code: Code
    public var message: String
    /// For `handlerFailed`: the thrown error's type name (the platform's `errorType`).
    public var errorType: String?
    /// For `malformedResponse`: the raw result text, as the platform's `payload`.
    public var payload: String?
    /// For `handlerFailed` and `initializationFailed`: the frames of the handler's own code where
    /// the language reports them (Python: one `File "...", line N, in f` entry per frame), else empty.
    public var stackTrace: [String]
    public var underlying: (any Error)?

    public init(
        _ code: Code, _ message: String, errorType: String? = nil, payload: String? = nil, stackTrace: [String] = [],
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.errorType = errorType
        self.payload = payload
        self.stackTrace = stackTrace
        self.underlying = underlying
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The one mapping from error code to HTTP status.
    public var httpStatus: Int {
        switch code {
        case .handlerFailed, .processCrashed, .initializationFailed, .malformedResponse, .responseTooLarge: 502
        case .timeout: 504
        case .payloadTooLarge: 413
        case .functionNotFound: 404
        case .invalidPath, .incompleteRequest: 400
        case .throttled: 429
        case .unavailable: 503
        }
    }

    /// Whether the platform marks the response with `X-Function-Error: true`: the 502s of a failed
    /// handler (thrown, crashed, unusable result). Timeouts and refusals do not carry it.
    public var isFunctionError: Bool {
        switch code {
        case .handlerFailed, .processCrashed, .initializationFailed, .malformedResponse, .responseTooLarge: true
        case .timeout, .payloadTooLarge, .functionNotFound, .invalidPath, .incompleteRequest, .throttled, .unavailable: false
        }
    }

    /// The platform's `errorType` for this error.
    public var platformErrorType: String {
        switch code {
        case .handlerFailed: errorType ?? "Error"
        case .processCrashed: "ProcessCrashed"
        case .initializationFailed: errorType ?? "InitializationError"
        case .malformedResponse, .responseTooLarge, .invalidPath: "ProxyIntegrationError"
        case .timeout: "Timeout"
        case .payloadTooLarge: "PayloadTooLarge"
        case .functionNotFound: "FunctionNotFound"
        case .incompleteRequest: "BadRequest"
        case .throttled: "TooManyRequests"
        case .unavailable: "ServiceUnavailable"
        }
    }

    /// The JSON body: `{"errorMessage", "errorType"}` plus `stackTrace` for thrown errors and
    /// `payload` for malformed responses.
    public var responseBody: String {
        var members: JSONObject = [
            "errorMessage": .string(message),
            "errorType": .string(platformErrorType),
        ]
        switch code {
        case .handlerFailed, .processCrashed, .initializationFailed: members["stackTrace"] = .array(stackTrace.map { .string($0) })
        case .malformedResponse: members["payload"] = .string(payload ?? "")
        case .invalidPath: members["errorCode"] = .number(400)
        default: break
        }
        return JSONValue.object(members).encoded()
    }

    /// The error as the HTTP response the client receives.
    public var httpResponse: HTTPResponseParts {
        var headers = [("Content-Type", "application/json")]
        if isFunctionError { headers.append(("X-Function-Error", "true")) }
        return HTTPResponseParts(status: httpStatus, headers: headers, body: Array(responseBody.utf8))
    }
}
