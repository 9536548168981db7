import CHostSupport
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Fire-and-forget HTTP requests: queued and sent from background threads so the caller never
/// waits (poehali.dev functions trigger each other this way, and the called function runs on after
/// the caller stops listening). Each request is sent with its own short timeouts and its answer is
/// ignored; when `maxPending` are already waiting, a new one is dropped (and counted) rather than
/// delaying anyone.
public final class BackgroundSender: Sendable {
    private struct State {
        var pending: [HTTPClientRequest] = []
        var dropped = 0
        var sent = 0
        var failed = 0
    }

    private let state = Mutex(State())
    /// Threads block reading this pipe; `send` writes one byte per request. Close-on-exec from
    /// birth; never closed, because the sender threads (which keep `self` alive) run for the
    /// process's life.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// Requests that may wait at once; more are dropped. Default 16.
    public let maxPending: Int

    /// Starts `threads` sender threads (default 2), each with its own libcurl handle.
    public init(threads: Int = 2, maxPending: Int = 16) {
        var ends: [Int32] = [-1, -1]
        _ = fh_pipe_cloexec(&ends)  // on failure both stay -1: reads fail and the threads end
        wakeRead = ends[0]
        wakeWrite = ends[1]
        self.maxPending = maxPending
        for _ in 0..<max(1, threads) { startThread() }
    }

    /// Queues `request`. False when it was dropped because too many are waiting.
    @discardableResult
    public func send(_ request: HTTPClientRequest) -> Bool {
        let queued = state.withLock { state -> Bool in
            guard state.pending.count < maxPending else {
                state.dropped += 1
                return false
            }
            state.pending.append(request)
            return true
        }
        if queued {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
        return queued
    }

    /// Requests sent (answered, or still running at their timeout), failed (refused, unreachable, ...)
    /// and dropped so far.
    public var counts: (sent: Int, failed: Int, dropped: Int) {
        state.withLock { ($0.sent, $0.failed, $0.dropped) }
    }

    private func startThread() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<BackgroundSender>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        if started == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<BackgroundSender>.fromOpaque(context).release()
        }
    }

    /// A sender thread: wait for a byte, send the oldest request, repeat. Lives as long as the process.
    private func run() {
        let client = try? HTTPClient()
        var byte: UInt8 = 0
        while true {
            let got = read(wakeRead, &byte, 1)
            if got < 0, errno == EINTR { continue }
            guard got == 1 else { return }
            let next = state.withLock { state -> HTTPClientRequest? in
                state.pending.isEmpty ? nil : state.pending.removeFirst()
            }
            guard let request = next else { continue }
            // Giving up after the request's timeout is the point of fire-and-forget: the request was
            // delivered, and the called function runs on. Refused or unreachable is a failure.
            var succeeded = false
            if let client {
                do {
                    _ = try client.send(request)
                    succeeded = true
                } catch {
                    succeeded = error.code == .timedOut
                }
            }
            state.withLock { succeeded ? ($0.sent += 1) : ($0.failed += 1) }
        }
    }
}
