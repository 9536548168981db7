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
public struct FunctionInvoker {
    public let spec: FunctionSpec
    public var builder: EventBuilder
    public var mapper: ResponseMapper
    private let factory: FunctionRegistry.Factory
    private var instance: (any CloudFunction)?

    public init(spec: FunctionSpec, factory: @escaping FunctionRegistry.Factory, edge: EdgeOptions = .platform) {
        self.spec = spec
        self.factory = factory
        self.builder = EventBuilder(options: edge)
        self.mapper = ResponseMapper(options: edge)
    }

    /// Starts the function now instead of at the first invocation. Returns the error when it fails
    /// (invocations then retry, and answer 502 while it keeps failing).
    @discardableResult
    public mutating func warmUp() -> RuntimeError? {
        guard instance == nil else { return nil }
        do {
            instance = try factory()
            return nil
        } catch {
            return RuntimeError(
                .initializationFailed, "The function could not start: \(error)",
                errorType: String(describing: type(of: error)), underlying: error)
        }
    }

    /// One invocation of an HTTP request, with its deadline in epoch milliseconds.
    public mutating func invoke(_ request: IncomingRequest, deadlineMilliseconds: Int64) -> InvocationResult {
        let event: Event
        do {
            event = try builder.build(request)
        } catch {
            return InvocationResult(error: error)
        }
        return invoke(event, deadlineMilliseconds: deadlineMilliseconds)
    }

    /// One invocation of a ready event (`fnhost invoke --event`).
    public mutating func invoke(_ event: Event, deadlineMilliseconds: Int64) -> InvocationResult {
        if let failure = warmUp() { return InvocationResult(error: failure) }
        guard var function = instance else {
            return InvocationResult(error: RuntimeError(.initializationFailed, "The function could not start"))
        }
        let context = Context(
            requestId: event.requestContext.requestId, functionName: spec.name,
            functionVersion: spec.configuration.version, memoryLimitInMB: spec.configuration.memoryMB,
            deadlineMilliseconds: deadlineMilliseconds)
        let response: Response
        do {
            response = try function.handle(event, context: context)
        } catch let error as any ResponseConvertibleError {
            response = error.response
        } catch {
            instance = function
            return InvocationResult(
                error: RuntimeError(
                    .handlerFailed, String(describing: error), errorType: String(describing: type(of: error)),
                    underlying: error))
        }
        instance = function
        do {
            return InvocationResult(response: try mapper.map(response), outcome: .ok)
        } catch {
            var failure = error
            if failure.code == .malformedResponse { failure.payload = Self.describe(response) }
            return InvocationResult(error: failure)
        }
    }

    /// A response as the JSON a dynamic-language handler would have returned, for `payload`.
    static func describe(_ response: Response) -> String {
        JSONValue.object([
            "statusCode": .number(Double(response.statusCode)),
            "headers": .object(response.headers.mapValues { .string($0) }),
            "multiValueHeaders": .object(response.multiValueHeaders.mapValues { .array($0.map { .string($0) }) }),
            "body": .string(
                response.body.utf8.count > 4096
                    ? String(decoding: response.body.utf8.prefix(4096), as: UTF8.self) + "..." : response.body),
            "isBase64Encoded": .bool(response.isBase64Encoded),
        ]).encoded()
    }
}
