#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// One JSON line per invocation (and per lifecycle event) on stderr: what a log collector or `jq`
/// reads. Lines are collected and written with one `write(2)` per `flush()` (whole lines only, so
/// lines of processes sharing stderr never interleave inside a line): the master flushes once per
/// loop turn, a worker when its oldest pending line is `maxDelayMilliseconds` old, so a busy worker
/// does not pay a system call per invocation.
public final class InvocationLog {
    /// File descriptor to write to. Default 2 (stderr).
    public let descriptor: Int32
    /// How long a worker may hold a line before writing it, milliseconds. Default 50.
    public let maxDelayMilliseconds: Int64
    /// Lines not written yet, as bytes (a write may stop inside a line, even inside a character).
    private var pending: [UInt8] = []
    /// When the oldest pending line was added (monotonic ns), or nil.
    private var pendingSince: UInt64?

    public init(descriptor: Int32 = 2, maxDelayMilliseconds: Int64 = 50) {
        self.descriptor = descriptor
        self.maxDelayMilliseconds = maxDelayMilliseconds
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
        for (key, value) in details.sorted(by: { $0.key < $1.key }) { line.add(key, value, sortedKeys: true) }
        append(line.finish())
        flush()
    }

    private func append(_ line: String) {
        if pendingSince == nil { pendingSince = Clock.monotonicNanoseconds() }
        pending.append(contentsOf: line.utf8)
        pending.append(UInt8(ascii: "\n"))
        if pending.count > 65_536 { flush() }
    }

    /// Writes what is pending if its oldest line is due.
    public func flushIfDue() {
        if millisecondsUntilFlush() == 0 { flush() }
    }

    /// Milliseconds until the pending lines are due (0: now), or -1 when nothing is pending: a
    /// `poll` timeout.
    public func millisecondsUntilFlush() -> Int32 {
        guard let since = pendingSince else { return -1 }
        let elapsed = Int64((Clock.monotonicNanoseconds() &- since) / 1_000_000)
        return Int32(max(0, maxDelayMilliseconds - elapsed))
    }

    /// The most a log that cannot be written keeps for later (a reader that stopped reading): past
    /// it the oldest whole lines go.
    public static let maxPendingBytes = 1 << 20

    /// Writes what is pending. A write that fails part-way (a full non-blocking pipe, a reader gone)
    /// keeps exactly the bytes not written for the next flush: no line is lost or written twice.
    public func flush() {
        guard !pending.isEmpty else { return }
        var written = 0
        pending.withUnsafeBytes { bytes in
            while written < bytes.count {
                let count = write(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { return }
                written += count
            }
        }
        guard written < pending.count else {
            pending.removeAll(keepingCapacity: true)
            pendingSince = nil
            return
        }
        pending = Self.unwritten(pending, from: written, limit: Self.maxPendingBytes)
    }

    /// What is left of `bytes` after the first `offset` were written, without its oldest whole
    /// lines beyond `limit` bytes. A line already begun (`offset` inside it) is kept whole, so a
    /// reader never sees half of one followed by another. Pure.
    static func unwritten(_ bytes: [UInt8], from offset: Int, limit: Int) -> [UInt8] {
        var rest = Array(bytes[min(offset, bytes.count)...])
        guard rest.count > limit else { return rest }
        let begun = offset > 0 && bytes[offset - 1] != UInt8(ascii: "\n")
        var start = 0
        if begun, let end = rest.firstIndex(of: UInt8(ascii: "\n")) { start = end + 1 }
        var cut = start
        while rest.count - (cut - start) > limit, let end = rest[cut...].firstIndex(of: UInt8(ascii: "\n")) {
            cut = end + 1
        }
        rest.removeSubrange(start..<cut)
        return rest
    }
}
