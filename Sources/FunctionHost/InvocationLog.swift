#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// One JSON line per invocation (and per lifecycle event) on stderr: what a log collector or `jq`
/// reads. Lines are written with a single `write(2)` so that processes sharing stderr never
/// interleave inside a line.
public struct InvocationLog: Sendable {
    /// File descriptor to write to. Default 2 (stderr).
    public var descriptor: Int32

    public init(descriptor: Int32 = 2) {
        self.descriptor = descriptor
    }

    /// The invocation line: time, request id, function, method, status, duration, outcome.
    public func invocation(
        requestId: String, function: String, method: String, status: Int, durationMilliseconds: Double,
        outcome: InvocationOutcome, failure: String? = nil
    ) {
        var members: [String: JSONValue] = [
            "time": .string(RequestTime.iso8601(epochMilliseconds: Clock.epochMilliseconds())),
            "event": "invocation",
            "requestId": .string(requestId),
            "function": .string(function),
            "method": .string(method),
            "status": .number(Double(status)),
            "durationMs": .number((durationMilliseconds * 100).rounded() / 100),
            "outcome": .string(outcome.rawValue),
        ]
        if let failure, !failure.isEmpty { members["error"] = .string(failure) }
        emit(.object(members))
    }

    /// A lifecycle line (`worker_started`, `worker_crashed`, `draining`, ...), with details.
    public func event(_ name: String, level: String = "info", _ details: [String: JSONValue] = [:]) {
        var members = details
        members["time"] = .string(RequestTime.iso8601(epochMilliseconds: Clock.epochMilliseconds()))
        members["event"] = .string(name)
        members["level"] = .string(level)
        emit(.object(members))
    }

    private func emit(_ value: JSONValue) {
        var line = value.encoded()
        line += "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
