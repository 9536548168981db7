#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Test-only functions, served by `fnhost-testhost` from `Tests/Fixtures/functions`. They are not
/// part of the shipped `fnhost`.
public enum TestFunctions {
    public static var registry: FunctionRegistry {
        var registry = FunctionRegistry()
        registry.register("echo", EchoFunction.self)
        registry.register("sleep", SleepFunction.self)
        registry.register("crash", CrashFunction.self)
        registry.register("throws", ThrowingFunction.self)
        registry.register("malformed", MalformedFunction.self)
        registry.register("counter", CounterFunction.self)
        registry.register("hello", HelloFunction.self)
        registry.register("hello-wide", HelloFunction.self)
        registry.register("ticker", TickerFunction.self)
        registry.register("env-check", EnvironmentCheckFunction.self)
        return registry
    }
}

/// Answers with the event and context it received, as JSON: lets tests see exactly what a
/// handler sees. `?status=N` sets the status; `?setCookie=v` adds `X-Set-Cookie`.
public struct EchoFunction: CloudFunction {
    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        let encodedEvent = try event.prettyJSON()
        let status = Int(event.queryStringParameters["status"] ?? "") ?? 200
        var response = Response.json(
            status,
            "{\"event\":\(encodedEvent),\"context\":{\"requestId\":\"\(context.requestId)\",\"functionName\":\"\(context.functionName)\",\"functionVersion\":\"\(context.functionVersion)\",\"memoryLimitInMB\":\(context.memoryLimitInMB),\"remainingTimeInMillis\":\(context.remainingTimeInMillis()),\"pid\":\(getpid())}}",
            headers: ["Access-Control-Allow-Origin": "*"])
        if let cookie = event.queryStringParameters["setCookie"] {
            response.multiValueHeaders["X-Set-Cookie"] = [cookie, "second=2; Path=/"]
        }
        return response
    }
}

/// Sleeps `?ms=N` milliseconds (default 1000), then writes a marker file `?marker=PATH` if given,
/// and answers `{"slept": N}`. Lets tests see that a handler ran to the end after its client left.
public struct SleepFunction: CloudFunction {
    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        let milliseconds = Int(event.queryStringParameters["ms"] ?? "") ?? 1000
        usleep(useconds_t(max(0, min(milliseconds, 3_600_000)) * 1000))
        if let marker = event.queryStringParameters["marker"], !marker.isEmpty {
            let file = fopen(marker, "we")
            if let file {
                fputs(context.requestId, file)
                fclose(file)
            }
        }
        return .json(200, "{\"slept\":\(milliseconds),\"pid\":\(getpid())}")
    }
}

/// Dies by `?how=` `trap` (a Swift runtime trap), `segv` (a write through an invalid pointer) or `abort`;
/// any other value answers normally with its pid.
public struct CrashFunction: CloudFunction {
    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        switch event.queryStringParameters["how"] ?? "" {
        case "trap":
            let values: [Int] = []
            _ = values[Int(getpid()) % 7 + 1]  // out of range: a runtime trap, on purpose
        case "segv":
            // A write through an invalid pointer: a real SIGSEGV, not a raise() the handler returns from.
            if let invalid = UnsafeMutablePointer<Int>(bitPattern: 16) { invalid.pointee = 1 }
        case "abort":
            abort()
        default:
            break
        }
        return .json(200, "{\"alive\":true,\"pid\":\(getpid())}")
    }
}

/// Throws an error, so tests see the platform's 502 body.
public struct ThrowingFunction: CloudFunction {
    public struct PaymentDeclined: Error, CustomStringConvertible {
        public var description: String { "card declined" }
    }

    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        throw PaymentDeclined()
    }
}

/// Returns responses that break the contract, chosen by `?kind=`.
public struct MalformedFunction: CloudFunction {
    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        switch event.queryStringParameters["kind"] ?? "" {
        case "status": return Response(statusCode: 1000, body: "x")
        case "base64": return Response(body: "***not base64***", isBase64Encoded: true)
        case "header": return Response(headers: ["Bad Header": "x"])
        case "injection": return Response(headers: ["X-Test": "a\r\nSet-Cookie: evil=1"])
        case "via": return Response(headers: ["Via": "1.1 proxy"])
        default: return Response(body: "fine")
        }
    }
}

/// Counts invocations served by this process: shows warm reuse and recycling.
public struct CounterFunction: CloudFunction {
    private var served = 0
    private let startedAt = Clock.epochMilliseconds()

    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        served += 1
        return .json(200, "{\"served\":\(served),\"pid\":\(getpid()),\"startedAt\":\(startedAt)}")
    }
}

/// The trivial function of the benchmarks: a fixed small JSON answer, so what is measured is the host.
public struct HelloFunction: CloudFunction {
    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        Response(statusCode: 200, headers: ["Content-Type": "application/json"], body: #"{"ok":true}"#)
    }
}

/// Records every timer event it receives as `<TICKER_DIR>/<event id>.json` (so tests see exactly
/// what a timer delivers); a payload `sleep:N` makes it sleep N ms first.
public struct TickerFunction: CloudFunction {
    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        guard let message = event.messages?.first else { return .json(400, #"{"error":"not a timer event"}"#) }
        if message.details.payload.hasPrefix("sleep:"), let milliseconds = Int(message.details.payload.dropFirst(6)) {
            usleep(useconds_t(max(0, min(milliseconds, 60_000)) * 1000))
        }
        if let directory = getenv("TICKER_DIR").map({ String(cString: $0) }),
            let file = fopen("\(directory)/\(message.eventMetadata.eventId).json", "we")
        {
            fputs(try event.jsonText(), file)
            fclose(file)
        }
        return .json(200, #"{"ticked":true}"#)
    }
}
