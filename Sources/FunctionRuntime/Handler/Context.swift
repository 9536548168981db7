#if canImport(Glibc)
import Glibc
#endif

/// The second argument of a handler: who is running and how much time is left
/// (the platform's invocation context, as Yandex Cloud Functions passes it).
public struct Context: Sendable {
    /// The request's id: the same UUID as `event.requestContext.requestId` and the `X-Request-Id` header.
    public var requestId: String
    /// The function's name (its `func2url.json` key).
    public var functionName: String
    /// The function's version (`function.json` `version`, default `"$LATEST"`).
    public var functionVersion: String
    /// The memory limit, in megabytes (`function.json` `memory`, default 128).
    public var memoryLimitInMB: Int
    /// When the host gives up on this invocation, in milliseconds since the Unix epoch.
    public var deadlineMilliseconds: Int64 {
        didSet { monotonicDeadline = Self.monotonicDeadline(of: deadlineMilliseconds) }
    }
    /// The same deadline on the monotonic clock (nanoseconds), which time left is counted on: a
    /// wall-clock step (NTP, an operator) neither shortens nor extends an invocation.
    private var monotonicDeadline: UInt64

    public init(
        requestId: String, functionName: String, functionVersion: String = "$LATEST", memoryLimitInMB: Int = 128,
        deadlineMilliseconds: Int64
    ) {
        self.requestId = requestId
        self.functionName = functionName
        self.functionVersion = functionVersion
        self.memoryLimitInMB = memoryLimitInMB
        self.deadlineMilliseconds = deadlineMilliseconds
        monotonicDeadline = Self.monotonicDeadline(of: deadlineMilliseconds)
    }

    /// `deadline` (epoch milliseconds) mapped onto the monotonic clock, as seen now.
    private static func monotonicDeadline(of deadline: Int64) -> UInt64 {
        let left = max(0, deadline - Clock.epochMilliseconds())
        return Clock.monotonicNanoseconds() + UInt64(left) * 1_000_000
    }

    /// Milliseconds until the deadline (0 when it has passed): size outgoing timeouts by it.
    public func remainingTimeInMillis() -> Int64 {
        let now = Clock.monotonicNanoseconds()
        return now >= monotonicDeadline ? 0 : Int64((monotonicDeadline - now) / 1_000_000)
    }
}
