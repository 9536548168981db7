#if canImport(Glibc)
import Glibc
#endif
import FastCGI
import FunctionRuntime

/// The answers the master writes itself: a 429, 502, 503 or 504 for a connection no worker will
/// answer, and the admin endpoints' pages. Every one is a whole FastCGI response written on a
/// socket the master polls and must never block on: what the socket takes is written at once,
/// the rest each time `poll` reports it writable again; a written answer ends with a half-close,
/// then the descriptor is closed. A peer that leaves its answer unread for `patienceNanoseconds`
/// loses it (the socket is closed), so a reader that stopped reading holds no descriptor for long.
///
/// The outbox owns every descriptor handed to it.
struct AnswerOutbox {
    /// An answer still being written.
    struct Answer {
        var bytes: [UInt8]
        /// How many of `bytes` the socket has taken.
        var written: Int
        /// When the answer is dropped if still not written (monotonic ns).
        var deadline: UInt64
    }

    /// How long a peer may leave an answer unread before the master drops it, ns. Default 5 s.
    let patienceNanoseconds: UInt64
    /// Answers waiting for their socket to become writable, by descriptor.
    private(set) var waiting: [Int32: Answer] = [:]

    init(patienceNanoseconds: UInt64 = 5_000_000_000) {
        self.patienceNanoseconds = patienceNanoseconds
    }

    /// Answers with one FastCGI response (the CGI status line, headers and body in STDOUT records,
    /// then END_REQUEST) for request `fastCGIRequestId`, and closes `descriptor` once it is written.
    mutating func answer(on descriptor: Int32, fastCGIRequestId: UInt16, response: HTTPResponseParts, now: UInt64) {
        let bytes = FastCGIRecord.response(
            requestId: fastCGIRequestId, status: response.status, reason: HTTPStatus.reason(response.status),
            headers: response.headers, body: response.body)
        deliver(bytes, on: descriptor, now: now)
    }

    /// Writes `bytes` on `descriptor`, now or as the socket takes them, then half-closes and closes it.
    mutating func deliver(_ bytes: [UInt8], on descriptor: Int32, now: UInt64) {
        var answer = Answer(bytes: bytes, written: 0, deadline: now + patienceNanoseconds)
        settle(descriptor, after: Self.write(&answer, to: descriptor), answer: answer)
    }

    /// `poll` reported `descriptor` writable (or failed): writes what it takes now.
    mutating func writable(_ descriptor: Int32) {
        guard var answer = waiting.removeValue(forKey: descriptor) else { return }
        settle(descriptor, after: Self.write(&answer, to: descriptor), answer: answer)
    }

    /// Drops the answers whose deadline has passed (their sockets are closed). Returns how many.
    @discardableResult
    mutating func expire(now: UInt64) -> Int {
        let expired = waiting.filter { $0.value.deadline <= now }.keys
        for descriptor in expired {
            waiting[descriptor] = nil
            close(descriptor)
        }
        return expired.count
    }

    /// The descriptors to poll for writability.
    var descriptors: [Int32] { Array(waiting.keys) }

    /// The earliest deadline of a waiting answer (monotonic ns), or nil.
    var nextDeadline: UInt64? { waiting.values.map(\.deadline).min() }

    /// Writes the waiting answers as their sockets take them until all are out or `deadline`
    /// passes, then drops the rest: the host is stopping and nothing else needs the loop.
    mutating func flush(until deadline: UInt64) {
        while !waiting.isEmpty {
            let now = Clock.monotonicNanoseconds()
            guard now < deadline else { break }
            var descriptors = waiting.keys.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
            let timeout = Int32(min(1000, (deadline - now + 999_999) / 1_000_000))
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0, errno != EINTR { break }
            for descriptor in descriptors where descriptor.revents != 0 { writable(descriptor.fd) }
        }
        for descriptor in waiting.keys { close(descriptor) }
        waiting.removeAll()
    }

    private enum Progress { case finished, blocked, failed }

    private mutating func settle(_ descriptor: Int32, after progress: Progress, answer: Answer) {
        switch progress {
        case .finished:
            shutdown(descriptor, Int32(SHUT_WR))
            close(descriptor)
        case .blocked:
            waiting[descriptor] = answer
        case .failed:
            close(descriptor)  // the peer is gone (EPIPE, ECONNRESET): nobody reads the rest
        }
    }

    /// Writes as much as the socket takes without blocking.
    private static func write(_ answer: inout Answer, to descriptor: Int32) -> Progress {
        while answer.written < answer.bytes.count {
            let offset = answer.written
            let sent = answer.bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if sent > 0 {
                answer.written += sent
                continue
            }
            if sent < 0, errno == EINTR { continue }
            if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .blocked }
            return .failed
        }
        return .finished
    }
}
