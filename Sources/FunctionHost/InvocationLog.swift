#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// One JSON line per invocation (and per lifecycle event) on stderr: what a log collector or `jq`
/// reads. Lines are collected and written with one `write(2)` per `flush()` (the master flushes
/// once per loop turn), so lines of processes sharing stderr never interleave inside a line and a
/// busy host does not pay a system call per invocation.
public final class InvocationLog {
    /// File descriptor to write to. Default 2 (stderr).
    public let descriptor: Int32
    private var pending = ""

    public init(descriptor: Int32 = 2) {
        self.descriptor = descriptor
    }

    /// The invocation line: time, request id, function, method, status, duration, outcome.
    public func invocation(
        requestId: String, function: String, method: String, status: Int, durationMilliseconds: Double,
        outcome: InvocationOutcome, failure: String? = nil
    ) {
        var line = JSONText(capacity: 256)
        line.add("time", RequestTime.iso8601(epochMilliseconds: Clock.epochMilliseconds()))
        line.add("event", "invocation")
        line.add("requestId", requestId)
        line.add("function", function)
        line.add("method", method)
        line.add("status", status)
        line.add("durationMs", (durationMilliseconds * 100).rounded() / 100)
        line.add("outcome", outcome.rawValue)
        if let failure, !failure.isEmpty { line.add("error", failure) }
        append(line.finish())
    }

    /// A lifecycle line (`worker_started`, `worker_crashed`, `draining`, ...), with details; written at once.
    public func event(_ name: String, level: String = "info", _ details: [String: JSONValue] = [:]) {
        var line = JSONText()
        line.add("time", RequestTime.iso8601(epochMilliseconds: Clock.epochMilliseconds()))
        line.add("event", name)
        line.add("level", level)
        for (key, value) in details.sorted(by: { $0.key < $1.key }) { line.add(key, raw: value.encoded()) }
        append(line.finish())
        flush()
    }

    private func append(_ line: String) {
        pending += line
        pending += "\n"
        if pending.utf8.count > 65_536 { flush() }
    }

    /// Writes what is pending.
    public func flush() {
        guard !pending.isEmpty else { return }
        pending.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
        pending = ""
    }
}
