#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import FunctionHost

/// A connected pair of unix stream sockets: `writer` with a small send buffer (so that a big
/// answer is written in parts), `reader` non-blocking (reads take what has arrived).
private struct SocketPair {
    let writer: Int32
    let reader: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0)
        var size: Int32 = 4096
        setsockopt(ends[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        writer = ends[0]
        reader = ends[1]
    }

    enum Read: Equatable { case bytes(Int), nothing, end }

    /// Reads what has arrived into `received`.
    func read(into received: inout [UInt8]) -> Read {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let got = buffer.withUnsafeMutableBytes { recv(reader, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if got > 0 {
            received.append(contentsOf: buffer[0..<got])
            return .bytes(got)
        }
        return got == 0 ? .end : .nothing
    }
}

/// The master's own answers on sockets it must never block on.
@Suite struct AnswerOutboxTests {
    let second: UInt64 = 1_000_000_000

    @Test func aSmallAnswerIsWrittenAtOnceAndTheSocketClosed() throws {
        let pair = try SocketPair()
        defer { close(pair.reader) }
        var outbox = AnswerOutbox()
        outbox.deliver(Array("answer".utf8), on: pair.writer, now: 0)
        #expect(outbox.waiting.isEmpty)
        var received: [UInt8] = []
        #expect(pair.read(into: &received) == .bytes(6))
        #expect(pair.read(into: &received) == .end, "half-closed and closed after the answer")
        #expect(received == Array("answer".utf8))
    }

    @Test func anAnswerBiggerThanTheSocketTakesIsFinishedAsTheReaderReads() throws {
        let pair = try SocketPair()
        defer { close(pair.reader) }
        var outbox = AnswerOutbox()
        let answer = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        outbox.deliver(answer, on: pair.writer, now: 0)
        let written = try #require(outbox.waiting[pair.writer]).written
        #expect(written > 0 && written < answer.count, "the socket took a part; the rest waits for writability")
        #expect(outbox.descriptors == [pair.writer])

        var received: [UInt8] = []
        var rounds = 0
        while !outbox.waiting.isEmpty, rounds < 100_000 {
            rounds += 1
            while case .bytes = pair.read(into: &received) {}
            outbox.writable(pair.writer)
        }
        while case .bytes = pair.read(into: &received) {}
        #expect(received == answer, "every byte, in order, none twice")
        #expect(pair.read(into: &received) == .end)
    }

    @Test func aReaderThatReadsNothingLosesItsAnswerAtTheDeadline() throws {
        let pair = try SocketPair()
        defer { close(pair.reader) }
        var outbox = AnswerOutbox(patienceNanoseconds: 5 * second)
        outbox.deliver([UInt8](repeating: 7, count: 1_000_000), on: pair.writer, now: 10 * second)
        #expect(outbox.nextDeadline == 15 * second)
        #expect(outbox.expire(now: 15 * second - 1) == 0)
        #expect(outbox.expire(now: 15 * second) == 1)
        #expect(outbox.waiting.isEmpty && outbox.nextDeadline == nil)
        var received: [UInt8] = []
        while case .bytes = pair.read(into: &received) {}
        #expect(pair.read(into: &received) == .end, "the socket was closed")
        #expect(received.count < 1_000_000)
    }

    @Test func aPeerThatIsGoneEndsTheAnswer() throws {
        let pair = try SocketPair()
        close(pair.reader)
        var outbox = AnswerOutbox()
        outbox.deliver(Array("nobody reads this".utf8), on: pair.writer, now: 0)
        #expect(outbox.waiting.isEmpty, "EPIPE: dropped at once, not retried")
    }

    @Test func flushWritesWhatTheReaderTakesAndDropsTheRest() throws {
        let pair = try SocketPair()
        defer { close(pair.reader) }
        var outbox = AnswerOutbox()
        outbox.deliver([UInt8](repeating: 1, count: 1_000_000), on: pair.writer, now: 0)
        #expect(!outbox.waiting.isEmpty)
        // Nobody reads: the flush gives up at its deadline (already passed here) and closes.
        outbox.flush(until: 0)
        #expect(outbox.waiting.isEmpty)
        var received: [UInt8] = []
        while case .bytes = pair.read(into: &received) {}
        #expect(pair.read(into: &received) == .end)
    }
}
