#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import FunctionHost

/// The log's writes: whole lines, and none lost or repeated when a write stops part-way.
@Suite struct InvocationLogTests {
    @Test func aWriteThatStopsPartWayLosesAndRepeatsNoLine() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        // A full pipe makes write(2) stop part-way (and then fail with EAGAIN), as a log reader
        // that falls behind does.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        let log = InvocationLog(descriptor: ends[1])
        let count = 3000
        for index in 0..<count {
            log.invocation(
                requestId: "request-\(index)-ünïcode", function: "f", method: "GET", status: 200,
                durationMilliseconds: 1, outcome: .ok)
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 7000)
        var rounds = 0
        while rounds < 10_000 {
            rounds += 1
            log.flush()
            // Read a little at a time, so the next flush meets a pipe that is nearly full again.
            let got = buffer.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if got > 0 { received += buffer[0..<got] }
            if got <= 0, log.millisecondsUntilFlush() < 0 { break }
        }
        close(ends[1])
        let lines = String(decoding: received, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "", "the output ends with a whole line")
        let ids = lines.dropLast().map { line -> String in
            guard let start = line.range(of: "\"requestId\":\""), let end = line[start.upperBound...].firstIndex(of: "\"") else {
                return "<malformed: \(line.prefix(80))>"
            }
            return String(line[start.upperBound..<end])
        }
        #expect(ids == (0..<count).map { "request-\($0)-ünïcode" })
    }

    @Test func whatCannotBeWrittenIsBoundedByDroppingTheOldestWholeLines() {
        let text = Array("aaaa\nbbbb\ncccc\ndddd\n".utf8)
        // Nothing written yet: the oldest whole lines go until the rest fits.
        #expect(String(decoding: InvocationLog.unwritten(text, from: 0, limit: 10), as: UTF8.self) == "cccc\ndddd\n")
        // Part of the first line written: its rest stays whole, the next oldest go.
        #expect(String(decoding: InvocationLog.unwritten(text, from: 2, limit: 10), as: UTF8.self) == "aa\ndddd\n")
        // Under the limit: exactly the bytes not written.
        #expect(String(decoding: InvocationLog.unwritten(text, from: 7, limit: 100), as: UTF8.self) == "bb\ncccc\ndddd\n")
    }
}
