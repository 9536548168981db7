#if canImport(Glibc)
import Glibc
#endif
import CHostSupport

/// One worker's scoreboard slot in shared memory (see `CHostSupport.h`): the worker records each
/// invocation there without a system call, the master reads it. The master creates the slot (a
/// memfd) and hands the descriptor to the worker, which maps the same page.
///
/// A class, so that exactly one owner releases the mapping and the memfd, once.
final class ScoreboardSlot {
    enum Stage: Int32 {
        /// Waiting for a dispatch, no connection.
        case idle = 0
        /// Idle, keeping a kept-alive connection and serving requests on it directly.
        case holding = 1
        /// Running an invocation.
        case busy = 2
        /// Chosen by the master for a dispatch.
        case reserved = 3
        /// Taking its held connection for an invocation (BUSY follows at once).
        case claiming = 4
        /// Writing the invocation's answer: the worker won it, no timeout can follow.
        case responding = 5
        /// Past its timeout: the master won the invocation's answer (504) and kills the worker.
        case timedOut = 6
    }

    let pointer: UnsafeMutableRawPointer
    /// The memfd (master: to pass on; worker: -1 once mapped; -1 once released).
    private(set) var descriptor: Int32
    private var released = false

    private init(pointer: UnsafeMutableRawPointer, descriptor: Int32) {
        self.pointer = pointer
        self.descriptor = descriptor
    }

    /// A new slot (master side).
    static func create() -> ScoreboardSlot? {
        var descriptor: Int32 = -1
        guard let pointer = fh_slot_create(&descriptor) else { return nil }
        return ScoreboardSlot(pointer: pointer, descriptor: descriptor)
    }

    /// The slot behind a passed descriptor (worker side).
    static func map(descriptor: Int32) -> ScoreboardSlot? {
        guard let pointer = fh_slot_map(descriptor) else { return nil }
        close(descriptor)
        return ScoreboardSlot(pointer: pointer, descriptor: -1)
    }

    /// Unmaps the slot and closes the memfd; a second call does nothing.
    func release() {
        guard !released else { return }
        released = true
        fh_slot_unmap(pointer)
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    var stage: Stage { Stage(rawValue: fh_slot_stage(pointer)) ?? .busy }
    /// When the running invocation started (monotonic ns).
    var startedAt: UInt64 { fh_slot_started(pointer) }
    /// The master's id of the connection the worker serves or holds.
    var connection: UInt64 { fh_slot_connection(pointer) }
    /// Invocations completed by this worker.
    var served: UInt64 { fh_slot_served(pointer) }
    /// Of those, how many ended in an error outcome.
    var failed: UInt64 { fh_slot_failed(pointer) }
    /// Of those, how many took longer than the function's slow threshold.
    var slow: UInt64 { fh_slot_slow(pointer) }
    var fastCGIRequestId: UInt16 { fh_slot_fastcgi_request_id(pointer) }

    var requestId: String { text(fh_slot_request_id) }
    var method: String { text(fh_slot_method) }

    /// Master: claims an idle or holding worker for a dispatch; the previous stage, or nil.
    func tryReserve() -> Stage? {
        let previous = fh_slot_try_reserve(pointer)
        return previous < 0 ? nil : Stage(rawValue: previous)
    }

    /// Worker: before reading a request on its held connection; false when the master reserved it.
    func tryClaimHeld(connection: UInt64, at start: UInt64) -> Bool {
        fh_slot_try_claim_held(pointer, connection, start) == 1
    }

    func begin(connection: UInt64, at start: UInt64) { fh_slot_begin(pointer, connection, start) }

    func describe(fastCGIRequestId: UInt16, requestId: String, method: String) {
        fh_slot_describe(pointer, fastCGIRequestId, requestId, method)
    }

    func end(holding: Bool, failed: Bool, slow: Bool = false) {
        fh_slot_end(pointer, holding ? 1 : 0, failed ? 1 : 0, slow ? 1 : 0)
    }

    /// Worker: busy -> idle with no invocation; false when the master timed it out meanwhile.
    func setIdle() -> Bool { fh_slot_set_idle(pointer) == 1 }

    /// Worker: busy -> responding, before writing the answer; false when the master timed the
    /// invocation out (it answers; the worker must write nothing).
    func beginResponse() -> Bool { fh_slot_begin_response(pointer) == 1 }

    /// The stage with the invocation's sequence, for `tryTimeOut`.
    var state: UInt32 { fh_slot_state(pointer) }

    /// Master: takes the invocation whose busy state was `expected` for a 504; false when the
    /// worker got to its answer first (or has moved on to another invocation).
    func tryTimeOut(expected: UInt32) -> Bool { fh_slot_try_time_out(pointer, expected) == 1 }

    /// Whether the master waits for "free" messages (requests are queued).
    var notify: Bool {
        get { fh_slot_notify(pointer) != 0 }
        set { fh_slot_set_notify(pointer, newValue ? 1 : 0) }
    }

    /// Whether the master asked this worker to exit after its current invocation (a reload).
    var retireRequested: Bool { fh_slot_retire(pointer) != 0 }

    /// Asks the worker to exit after its current invocation and not to claim its held connection.
    func requestRetire() { fh_slot_set_retire(pointer) }

    private func text(_ read: (UnsafeRawPointer?, UnsafeMutablePointer<CChar>?, Int) -> Void) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        read(pointer, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
