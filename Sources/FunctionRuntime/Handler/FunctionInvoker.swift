import Hashing

/// How an invocation ended, as the per-invocation log line and the status page count it.
public enum InvocationOutcome: String, Sendable {
    /// The handler returned (or threw a `ResponseConvertibleError`) and the response was sent.
    case ok
    /// The handler threw, its result broke the contract, it could not start, or the request was refused.
    case error
    /// The handler ran past its timeout.
    case timeout
    /// The handler's process died.
    case crash
    /// No worker became free within the queue timeout.
    case throttled
}

/// What one invocation produced.
public struct InvocationResult: Sendable {
    public var response: HTTPResponseParts
    public var outcome: InvocationOutcome
    /// Why it failed, for the log (never sent anywhere else).
    public var failure: String?

    public init(response: HTTPResponseParts, outcome: InvocationOutcome, failure: String? = nil) {
        self.response = response
        self.outcome = outcome
        self.failure = failure
    }

    public init(error: RuntimeError, outcome: InvocationOutcome = .error) {
        self.init(response: error.httpResponse, outcome: outcome, failure: error.description)
    }
}

/// Runs invocations of one function in this process: request -> event -> handler -> response, with
/// the platform's error mapping. Used by worker processes, by `fnhost invoke` and by `fnhost test`.
/// Holds the function instance between invocations (warm starts). Not thread-safe: one per process
/// or per test.
///
/// Two kinds of handler run the same way: a Swift `CloudFunction` (an `Event` in, a `Response`
/// out) and a `JSONFunction` in another language (the event's JSON in, the result's JSON out, which
/// is decoded with the platform's rules). Both see the same event builder, response mapper and limits.
public struct FunctionInvoker {
    public let spec: FunctionSpec
    public var builder: EventBuilder
    public var mapper: ResponseMapper
    private let kind: Kind
    private var instance: Instance?

    /// How instances are made.
    private enum Kind {
        case native(FunctionRegistry.Factory)
        case json(JSONFunctionFactory)
    }

    private enum Instance {
        case native(any CloudFunction)
        case json(any JSONFunction)
    }

    public typealias JSONFunctionFactory = @Sendable () throws -> any JSONFunction

    public init(spec: FunctionSpec, factory: @escaping FunctionRegistry.Factory, edge: EdgeOptions = .platform) {
        self.spec = spec
        self.kind = .native(factory)
        self.builder = EventBuilder(options: edge)
        self.mapper = ResponseMapper(options: edge)
    }

    public init(spec: FunctionSpec, jsonFactory: @escaping JSONFunctionFactory, edge: EdgeOptions = .platform) {
        self.spec = spec
        self.kind = .json(jsonFactory)
        self.builder = EventBuilder(options: edge)
        self.mapper = ResponseMapper(options: edge)
    }

    /// Starts the function now instead of at the first invocation. Returns the error when it fails
    /// (invocations then retry, and answer 502 while it keeps failing).
    @discardableResult
    public mutating func warmUp() -> RuntimeError? {
        guard instance == nil else { return nil }
        do {
            switch kind {
            case .native(let factory): instance = .native(try factory())
            case .json(let factory): instance = .json(try factory())
            }
            return nil
        } catch let error as RuntimeError {
            return error
        } catch {
            return RuntimeError(
                .initializationFailed, "The function could not start: \(error)",
                errorType: String(describing: type(of: error)), underlying: error)
        }
    }

    /// One invocation of an HTTP request, with its deadline in epoch milliseconds.
    public mutating func invoke(_ request: IncomingRequest, deadlineMilliseconds: Int64) -> InvocationResult {
        if Integration.of(query: request.query) == .raw {
            return invokeRaw(request, deadlineMilliseconds: deadlineMilliseconds)
        }
        let event: Event
        do {
            event = try builder.build(request)
        } catch {
            return InvocationResult(error: error)
        }
        return invoke(event, deadlineMilliseconds: deadlineMilliseconds)
    }

    /// One invocation of a ready event (`fnhost invoke --event`, timers).
    public mutating func invoke(_ event: Event, deadlineMilliseconds: Int64) -> InvocationResult {
        if let failure = warmUp() { return InvocationResult(error: failure) }
        let context = makeContext(requestId: event.requestContext.requestId, deadlineMilliseconds: deadlineMilliseconds)
        switch instance {
        case .native(var function)?:
            let outcome = Self.handle(&function, event, context)
            instance = .native(function)
            switch outcome {
            case .success(let response): return map(response, structureBytes: response.encodedLength)
            case .failure(let error): return InvocationResult(error: error)
            }
        case .json(var function)?:
            let result: [UInt8]
            do {
                result = try function.invoke(event: event.jsonBytes(), integration: .event, context: context)
            } catch {
                instance = .json(function)
                return InvocationResult(error: error)
            }
            instance = .json(function)
            return mapJSON(result)
        case nil:
            return InvocationResult(error: RuntimeError(.initializationFailed, "The function could not start"))
        }
    }

    /// `?integration=raw`: the body goes to the handler as it is and the result is the answer's
    /// body with status 200. A Swift function gets an event whose `body` is the request body (text
    /// when it is UTF-8, else base64) and whose result is sent as its response object's JSON.
    private mutating func invokeRaw(_ request: IncomingRequest, deadlineMilliseconds: Int64) -> InvocationResult {
        guard request.body.count <= builder.options.maxEventBytes else {
            return InvocationResult(
                error: RuntimeError(
                    .payloadTooLarge,
                    "The request body is \(request.body.count) bytes; the limit is \(builder.options.maxEventBytes) bytes (3.5 MB)"))
        }
        if let failure = warmUp() { return InvocationResult(error: failure) }
        let context = makeContext(requestId: request.requestId, deadlineMilliseconds: deadlineMilliseconds)
        let resultBytes: [UInt8]
        switch instance {
        case .native(var function)?:
            let text = String(validating: request.body, as: UTF8.self)
            let epochSeconds = Int(request.receivedAtMilliseconds / 1000)
            let event = Event(
                httpMethod: request.method,
                requestContext: RequestContext(
                    identity: .init(sourceIp: request.remoteAddress, userAgent: request.header("User-Agent") ?? ""),
                    httpMethod: request.method, requestId: request.requestId,
                    requestTime: RequestTime.commonLogFormat(epochSeconds: epochSeconds), requestTimeEpoch: epochSeconds),
                body: text ?? StandardBase64.encode(request.body), isBase64Encoded: text == nil)
            let outcome = Self.handle(&function, event, context)
            instance = .native(function)
            switch outcome {
            case .success(let response): resultBytes = Array(Self.describe(response, truncating: false).utf8)
            case .failure(let error): return InvocationResult(error: error)
            }
        case .json(var function)?:
            do {
                resultBytes = try function.invoke(event: request.body, integration: .raw, context: context)
            } catch {
                instance = .json(function)
                return InvocationResult(error: error)
            }
            instance = .json(function)
        case nil:
            return InvocationResult(error: RuntimeError(.initializationFailed, "The function could not start"))
        }
        if let tooLarge = checkSize(resultBytes.count) { return InvocationResult(error: tooLarge) }
        return InvocationResult(
            response: HTTPResponseParts(status: 200, headers: [("Content-Type", "application/json")], body: resultBytes),
            outcome: .ok)
    }

    /// Calls a Swift handler with the platform's error rules: a `ResponseConvertibleError` is its
    /// response, a `RuntimeError` stays what it is, any other error is the platform's 502.
    private static func handle(_ function: inout any CloudFunction, _ event: Event, _ context: Context) -> Result<Response, RuntimeError> {
        do {
            return .success(try function.handle(event, context: context))
        } catch let error as any ResponseConvertibleError {
            return .success(error.response)
        } catch let error as RuntimeError {
            return .failure(error)
        } catch {
            return .failure(
                RuntimeError(
                    .handlerFailed, String(describing: error), errorType: String(describing: type(of: error)), underlying: error))
        }
    }

    private func makeContext(requestId: String, deadlineMilliseconds: Int64) -> Context {
        Context(
            requestId: requestId, functionName: spec.name, functionVersion: spec.configuration.version,
            memoryLimitInMB: spec.configuration.memoryMB, deadlineMilliseconds: deadlineMilliseconds)
    }

    /// A result's JSON decoded as a response object (the platform's rules), then mapped.
    private func mapJSON(_ result: [UInt8]) -> InvocationResult {
        if let tooLarge = checkSize(result.count) { return InvocationResult(error: tooLarge) }
        let text = String(decoding: result, as: UTF8.self)
        let response: Response
        do {
            response = try Response.decode(rawJSON: text)
        } catch {
            var failure = error
            if failure.payload.map({ $0.utf8.count > 4096 }) == true {
                failure.payload = String(decoding: result.prefix(4096), as: UTF8.self) + "..."
            }
            return InvocationResult(error: failure)
        }
        return map(response, structureBytes: nil, payload: text)
    }

    /// The 3.5 MB limit on the response's JSON structure (not on the decoded body).
    private func checkSize(_ structureBytes: Int) -> RuntimeError? {
        guard structureBytes > mapper.options.maxResponseBytes else { return nil }
        return RuntimeError(
            .responseTooLarge,
            "The function's response is \(structureBytes) bytes as JSON; the limit is \(mapper.options.maxResponseBytes) bytes (3.5 MB)")
    }

    private func map(_ response: Response, structureBytes: Int?, payload: String? = nil) -> InvocationResult {
        if let structureBytes, let tooLarge = checkSize(structureBytes) { return InvocationResult(error: tooLarge) }
        do {
            return InvocationResult(response: try mapper.map(response), outcome: .ok)
        } catch {
            var failure = error
            if failure.code == .malformedResponse {
                failure.payload = payload.map { $0.utf8.count > 4096 ? String(decoding: $0.utf8.prefix(4096), as: UTF8.self) + "..." : $0 }
                    ?? Self.describe(response)
            }
            return InvocationResult(error: failure)
        }
    }

    /// A response as the JSON a dynamic-language handler would have returned, for `payload` (the
    /// body cut at 4 KiB) or as a raw integration's answer (whole).
    static func describe(_ response: Response, truncating: Bool = true) -> String {
        let cut = truncating && response.body.utf8.count > 4096
        return JSONValue.object([
            "statusCode": .number(Double(response.statusCode)),
            "headers": .object(JSONObject(response.headers.mapValues { JSONValue.string($0) })),
            "multiValueHeaders": .object(JSONObject(response.multiValueHeaders.mapValues { JSONValue.array($0.map { .string($0) }) })),
            "body": .string(cut ? String(decoding: response.body.utf8.prefix(4096), as: UTF8.self) + "..." : response.body),
            "isBase64Encoded": .bool(response.isBase64Encoded),
        ]).encoded()
    }
}
