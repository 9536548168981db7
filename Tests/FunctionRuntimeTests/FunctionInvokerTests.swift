import Foundation
import Synchronization
import Testing

@testable import FunctionRuntime

// MARK: Tiny test functions

/// Answers with what it saw of the event and context.
struct ProbeFunction: CloudFunction {
    init() {}

    mutating func handle(_ event: Event, context: Context) throws -> Response {
        .json(
            200,
            JSONValue.object([
                "method": .string(event.httpMethod),
                "eventRequestId": .string(event.requestContext.requestId),
                "requestId": .string(context.requestId),
                "functionName": .string(context.functionName),
                "functionVersion": .string(context.functionVersion),
                "memory": .number(Double(context.memoryLimitInMB)),
                "deadline": .number(Double(context.deadlineMilliseconds)),
                "userId": .string(event.header("x-user-id") ?? ""),
            ]))
    }
}

/// Counts its invocations: a warm instance keeps the count.
struct CountingFunction: CloudFunction {
    var count = 0
    init() {}

    mutating func handle(_ event: Event, context: Context) throws -> Response {
        count += 1
        return Response(body: "\(count)")
    }
}

struct BoomError: Error, CustomStringConvertible {
    var description: String { "boom happened" }
}

/// Counts, then throws: state changed before the throw survives.
struct ThrowingFunction: CloudFunction {
    var count = 0
    init() {}

    mutating func handle(_ event: Event, context: Context) throws -> Response {
        count += 1
        if event.queryStringParameters["fail"] != nil { throw BoomError() }
        return Response(body: "\(count)")
    }
}

struct TeapotError: ResponseConvertibleError {
    var response: Response { Response(statusCode: 418, headers: ["X-Why": "teapot"], body: "short and stout") }
}

struct TeapotFunction: CloudFunction {
    init() {}
    mutating func handle(_ event: Event, context: Context) throws -> Response { throw TeapotError() }
}

/// Returns whatever response the test put in the query (`?status=`, `?via=`).
struct MisbehavingFunction: CloudFunction {
    init() {}

    mutating func handle(_ event: Event, context: Context) throws -> Response {
        var response = Response(statusCode: Int(event.queryStringParameters["status"] ?? "") ?? 200, body: "partial")
        if let via = event.queryStringParameters["via"] { response.headers["Via"] = via }
        return response
    }
}

struct StartupError: Error {}

/// How many times a factory ran, across the invoker's (possibly repeated) starts.
final class StartCounter: Sendable {
    let starts = Atomic<Int>(0)

    /// Increments and returns the new count.
    func next() -> Int { starts.add(1, ordering: .relaxed).newValue }
    var value: Int { starts.load(ordering: .relaxed) }
}

func spec(_ name: String = "probe", configuration: FunctionConfiguration = FunctionConfiguration()) -> FunctionSpec {
    FunctionSpec(
        name: name, uuid: "0b8e6c2a-1f3d-4e5a-9b7c-2d4e6f8a0b1c",
        url: "https://functions.poehali.dev/0b8e6c2a-1f3d-4e5a-9b7c-2d4e6f8a0b1c", configuration: configuration)
}

func bodyText(_ result: InvocationResult) -> String {
    String(decoding: result.response.body, as: UTF8.self)
}

/// Request -> event -> handler -> response, and the platform's error mapping.
@Suite struct FunctionInvokerTests {
    @Test func returnsTheHandlersResponseWithTheContextFilledIn() throws {
        var configuration = FunctionConfiguration()
        configuration.version = "7"
        configuration.memoryMB = 256
        var invoker = FunctionInvoker(spec: spec("probe", configuration: configuration), factory: { ProbeFunction() })
        let result = invoker.invoke(
            makeRequest(method: "post", headers: [("x-user-id", "42")]), deadlineMilliseconds: 1_735_732_830_000)
        #expect(result.outcome == .ok)
        #expect(result.failure == nil)
        #expect(result.response.status == 200)
        #expect(result.response.header("Content-Type") == "application/json")
        let body = try jsonObject(bodyText(result))
        #expect(
            body == [
                "method": "POST", "eventRequestId": .string(exampleRequestId), "requestId": .string(exampleRequestId),
                "functionName": "probe", "functionVersion": "7", "memory": 256, "deadline": 1_735_732_830_000,
                "userId": "42",
            ])
    }

    @Test func warmInstanceIsReused() {
        let counter = StartCounter()
        var invoker = FunctionInvoker(
            spec: spec(),
            factory: {
                _ = counter.next()
                return CountingFunction()
            })
        let bodies = (0..<3).map { _ in bodyText(invoker.invoke(makeRequest(), deadlineMilliseconds: 0)) }
        #expect(bodies == ["1", "2", "3"])
        #expect(counter.value == 1)
    }

    @Test func warmUpStartsOnceAndReportsSuccess() {
        let counter = StartCounter()
        var invoker = FunctionInvoker(
            spec: spec(),
            factory: {
                _ = counter.next()
                return CountingFunction()
            })
        #expect(invoker.warmUp() == nil)
        #expect(invoker.warmUp() == nil)
        #expect(counter.value == 1)
        #expect(bodyText(invoker.invoke(makeRequest(), deadlineMilliseconds: 0)) == "1")
        #expect(counter.value == 1)
    }

    @Test func thrownErrorIs502WithTheSwiftTypeName() throws {
        var invoker = FunctionInvoker(spec: spec(), factory: { ThrowingFunction() })
        let result = invoker.invoke(makeRequest(query: "fail"), deadlineMilliseconds: 0)
        #expect(result.outcome == .error)
        #expect(result.response.status == 502)
        #expect(result.response.header("X-Function-Error") == "true")
        #expect(result.response.header("Content-Type") == "application/json")
        let body = try jsonObject(bodyText(result))
        #expect(body["errorType"] == "BoomError")
        #expect(body["errorMessage"] == "boom happened")
        #expect(body["stackTrace"] == .array([]))
        #expect(result.failure?.contains("boom happened") == true)
    }

    @Test func instanceStateSurvivesAThrow() {
        let counter = StartCounter()
        var invoker = FunctionInvoker(
            spec: spec(),
            factory: {
                _ = counter.next()
                return ThrowingFunction()
            })
        #expect(invoker.invoke(makeRequest(query: "fail"), deadlineMilliseconds: 0).response.status == 502)
        let result = invoker.invoke(makeRequest(), deadlineMilliseconds: 0)
        #expect(result.response.status == 200)
        #expect(bodyText(result) == "2")
        #expect(counter.value == 1)
    }

    @Test func responseConvertibleErrorGivesItsResponse() {
        var invoker = FunctionInvoker(spec: spec(), factory: { TeapotFunction() })
        let result = invoker.invoke(makeRequest(), deadlineMilliseconds: 0)
        #expect(result.outcome == .ok)
        #expect(result.response.status == 418)
        #expect(result.response.header("X-Why") == "teapot")
        #expect(result.response.header("X-Function-Error") == nil)
        #expect(bodyText(result) == "short and stout")
    }

    @Test func failingInitializerAnswers502AndIsRetriedOnTheNextInvocation() throws {
        let counter = StartCounter()
        var invoker = FunctionInvoker(
            spec: spec(),
            factory: {
                if counter.next() == 1 { throw StartupError() }
                return CountingFunction()
            })
        let first = invoker.invoke(makeRequest(), deadlineMilliseconds: 0)
        #expect(first.outcome == .error)
        #expect(first.response.status == 502)
        #expect(first.response.header("X-Function-Error") == "true")
        let body = try jsonObject(bodyText(first))
        #expect(body["errorType"] == "StartupError")
        #expect(body["stackTrace"] == .array([]))
        #expect(body["errorMessage"]?.stringValue?.hasPrefix("The function could not start") == true)

        let second = invoker.invoke(makeRequest(), deadlineMilliseconds: 0)
        #expect(second.outcome == .ok)
        #expect(bodyText(second) == "1")
        #expect(counter.value == 2)
        _ = invoker.invoke(makeRequest(), deadlineMilliseconds: 0)
        #expect(counter.value == 2)
    }

    @Test func warmUpReturnsTheInitializationError() {
        var invoker = FunctionInvoker(spec: spec(), factory: { throw StartupError() })
        let error = invoker.warmUp()
        #expect(error?.code == .initializationFailed)
        #expect(error?.errorType == "StartupError")
        #expect(error?.httpStatus == 502)
    }

    @Test func malformedResponseIncludesTheResponseAsPayload() throws {
        var invoker = FunctionInvoker(spec: spec(), factory: { MisbehavingFunction() })
        let result = invoker.invoke(makeRequest(query: "status=999"), deadlineMilliseconds: 0)
        #expect(result.outcome == .error)
        #expect(result.response.status == 502)
        #expect(result.response.header("X-Function-Error") == "true")
        let body = try jsonObject(bodyText(result))
        #expect(body["errorType"] == "ProxyIntegrationError")
        #expect(body["errorMessage"]?.stringValue?.hasPrefix("Malformed serverless function response") == true)
        let payloadText = try #require(body["payload"]?.stringValue)
        let payload = try jsonObject(payloadText)
        #expect(payload["statusCode"] == 999)
        #expect(payload["body"] == "partial")
        #expect(payload["isBase64Encoded"] == false)
    }

    @Test func rejectedHeaderIsMalformedWithPayload() throws {
        var invoker = FunctionInvoker(spec: spec(), factory: { MisbehavingFunction() })
        let result = invoker.invoke(makeRequest(query: "via=proxy"), deadlineMilliseconds: 0)
        #expect(result.response.status == 502)
        let payload = try jsonObject(try #require(try jsonObject(bodyText(result))["payload"]?.stringValue))
        #expect(payload["headers"] == ["Via": "proxy"])
    }

    @Test func tooLargeRequestIs413WithoutCallingTheHandler() {
        let counter = StartCounter()
        var invoker = FunctionInvoker(
            spec: spec(),
            factory: {
                _ = counter.next()
                return CountingFunction()
            }, edge: EdgeOptions(maxEventBytes: 2048))
        let result = invoker.invoke(
            makeRequest(method: "POST", body: Array(repeating: 65, count: 4000)), deadlineMilliseconds: 0)
        #expect(result.response.status == 413)
        #expect(result.response.header("X-Function-Error") == nil)
        #expect(counter.value == 0)
    }

    @Test func tooLargeResponseIs502() {
        var invoker = FunctionInvoker(
            spec: spec(), factory: { MisbehavingFunction() }, edge: EdgeOptions(maxResponseBytes: 3))
        let result = invoker.invoke(makeRequest(), deadlineMilliseconds: 0)
        #expect(result.response.status == 502)
        #expect(result.outcome == .error)
    }

    @Test func invokingAReadyEventUsesItsRequestId() throws {
        var invoker = FunctionInvoker(spec: spec(), factory: { ProbeFunction() })
        let event = try Event.decode(
            json: Array(
                #"{"httpMethod":"PUT","requestContext":{"identity":{"sourceIp":"1.1.1.1","userAgent":""},"httpMethod":"PUT","requestId":"r-1","requestTime":"","requestTimeEpoch":0}}"#
                    .utf8))
        let body = try jsonObject(bodyText(invoker.invoke(event, deadlineMilliseconds: 5)))
        #expect(body["requestId"] == "r-1")
        #expect(body["method"] == "PUT")
        #expect(body["deadline"] == 5)
    }

    @Test func describeTruncatesLongBodies() throws {
        let long = String(repeating: "x", count: 5000)
        let payload = try jsonObject(FunctionInvoker.describe(Response(statusCode: 1, body: long)))
        #expect(payload["body"]?.stringValue == String(repeating: "x", count: 4096) + "...")
    }

    /// The cut is by UTF-8 bytes (the condition is), so a long non-ASCII body is cut too and the
    /// payload stays near 4 KB; "..." marks only a body that was actually cut.
    @Test func describeCutsNonASCIIBodiesByBytes() throws {
        let cyrillic = String(repeating: "я", count: 3000)  // 6000 UTF-8 bytes
        let body = try #require(try jsonObject(FunctionInvoker.describe(Response(body: cyrillic)))["body"]?.stringValue)
        #expect(body.utf8.count <= 4096 + 3)
        #expect(body.hasSuffix("..."))
        #expect(cyrillic.hasPrefix(String(body.dropLast(3))))
        let short = String(repeating: "я", count: 100)
        #expect(try jsonObject(FunctionInvoker.describe(Response(body: short)))["body"] == .string(short))
    }

    // MARK: Registry

    @Test func registryRegistersMergesAndLists() throws {
        var first = FunctionRegistry()
        first.register("b", CountingFunction.self)
        first.register("a", ProbeFunction.self)
        var second = FunctionRegistry()
        second.register("a", TeapotFunction.self)
        #expect(first.names == ["a", "b"])
        #expect(first.factory(for: "zzz") == nil)
        let merged = first.merging(second)
        #expect(merged.names == ["a", "b"])
        let made = try #require(merged.factory(for: "a"))
        #expect(try made() is TeapotFunction)
        let original = try #require(first.factory(for: "a"))
        #expect(try original() is ProbeFunction)
    }

    @Test func contextRemainingTimeIsNeverNegative() {
        let past = Context(requestId: "r", functionName: "f", deadlineMilliseconds: 0)
        #expect(past.remainingTimeInMillis() == 0)
        let future = Context(
            requestId: "r", functionName: "f", deadlineMilliseconds: Clock.epochMilliseconds() + 60_000)
        #expect((50_000...60_000).contains(future.remainingTimeInMillis()))
    }
}
