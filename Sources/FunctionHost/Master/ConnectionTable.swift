#if canImport(Glibc)
import Glibc
#endif
import FastCGI
import FunctionRuntime

/// Every connection the master holds, by the master's id for it: nginx's connections to the
/// functions' sockets, and the sockets of timer invocations the master makes itself (which stand
/// in for one). For each, its descriptor, its pool and the worker serving or holding it; which of
/// them the master watches for their next request; and the answers it writes itself (the outbox).
/// The one place where the master registers, peeks at, answers and closes a connection.
///
/// The master keeps its own descriptor of a connection while a worker has another (passed with
/// SCM_RIGHTS), so that it can answer for a worker that died or timed out.
struct ConnectionTable {
    struct Connection {
        var descriptor: Int32
        var pool: PoolIndex
        /// The worker serving or holding it; nil while the master watches or queues it.
        var owner: WorkerIndex?
        /// A timer invocation the master made itself: dispatched with `ControlMessage.timer`.
        var isTimer = false
    }

    /// What a watched connection that became readable holds.
    enum Arrival {
        /// A request for `pool`, with what the peek at its start told; the connection is no longer watched.
        case request(PendingConnection, pool: PoolIndex)
        /// Nothing yet after all (EAGAIN): it stays watched.
        case nothing
        /// The peer closed it, or it failed: it is closed and gone from the table.
        case closed
    }

    private var connections: [UInt64: Connection] = [:]
    /// Connections watched for their next request: descriptor -> id.
    private(set) var watched: [Int32: UInt64] = [:]
    private var nextId: UInt64 = 1
    /// The answers the master writes itself, still being written.
    var outbox = AnswerOutbox()
    /// Scratch space for peeking at request starts (BEGIN_REQUEST and PARAMS fit in 8 KiB).
    private var buffer = [UInt8](repeating: 0, count: 8192)

    subscript(id: UInt64) -> Connection? { connections[id] }

    /// The ids of every open connection.
    var ids: [UInt64] { Array(connections.keys) }

    /// Registers a connection and returns its id. nginx's connections are watched for their first
    /// request; a timer invocation's is queued by the caller at once.
    @discardableResult
    mutating func register(descriptor: Int32, pool: PoolIndex, isTimer: Bool = false) -> UInt64 {
        let id = nextId
        nextId += 1
        connections[id] = Connection(descriptor: descriptor, pool: pool, owner: nil, isTimer: isTimer)
        if !isTimer { watched[descriptor] = id }
        return id
    }

    /// Records which worker serves or holds the connection (nil: none).
    mutating func setOwner(_ owner: WorkerIndex?, of id: UInt64) {
        connections[id]?.owner = owner
    }

    /// Watches the connection for its next request: it has no owner any more.
    mutating func watch(_ id: UInt64) {
        guard let descriptor = connections[id]?.descriptor else { return }
        connections[id]?.owner = nil
        watched[descriptor] = id
    }

    /// Closes the connection and forgets it.
    mutating func close(_ id: UInt64) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        watched[connection.descriptor] = nil
        Glibc.close(connection.descriptor)
    }

    /// Closes every connection (the host stops).
    mutating func closeAll() {
        for id in ids { close(id) }
    }

    /// A watched connection became readable: peeks at what arrived without consuming it (the
    /// worker reads the request), to learn the request's ids and method for answering and logging
    /// in the worker's stead.
    mutating func readable(_ descriptor: Int32, now: UInt64) -> Arrival {
        guard let id = watched.removeValue(forKey: descriptor), let pool = connections[id]?.pool else { return .nothing }
        let peeked = buffer.withUnsafeMutableBytes {
            recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        }
        guard peeked > 0 else {
            if peeked < 0, errno == EAGAIN || errno == EINTR {
                watched[descriptor] = id
                return .nothing
            }
            close(id)
            return .closed
        }
        var pending = PendingConnection(id: id, descriptor: descriptor, arrivedAt: now)
        if let preview = FastCGIRequestPreview.scan(Array(buffer[0..<peeked]), parameters: ["FNHOST_REQUEST_ID", "REQUEST_METHOD"]) {
            pending.request = RequestSummary(
                fastCGIRequestId: preview.requestId,
                requestId: preview.parameters["FNHOST_REQUEST_ID"].flatMap(RequestID.fromNginx) ?? "",
                method: preview.parameters["REQUEST_METHOD"] ?? "")
        }
        return .request(pending, pool: pool)
    }

    /// Answers the connection with `error` (and the request's id in `X-Request-Id` when known),
    /// and closes it once the answer is written. `discardingRequest`: first reads what arrived of
    /// a request no worker has read (a refusal), so that closing does not reset the connection
    /// under nginx.
    mutating func answer(
        _ id: UInt64, error: RuntimeError, request: RequestSummary, discardingRequest: Bool = false, now: UInt64
    ) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        watched[connection.descriptor] = nil
        if discardingRequest { discardArrived(connection.descriptor) }
        var response = error.httpResponse
        if !request.requestId.isEmpty { response.headers.append(("X-Request-Id", request.requestId)) }
        outbox.answer(on: connection.descriptor, fastCGIRequestId: request.fastCGIRequestId, response: response, now: now)
    }

    /// Reads and drops what has arrived on `descriptor`, up to 4 MB (never blocks).
    private mutating func discardArrived(_ descriptor: Int32) {
        var total = 0
        while total < 4_000_000 {
            let got = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return }
            total += got
        }
    }

    /// Appends what has arrived on `descriptor` to `received`, without blocking and up to `limit`
    /// bytes in all. Returns true when the peer closed the connection (or it failed). For the
    /// sockets the master reads whole messages from (the admin endpoints, timer answers).
    mutating func receiveAvailable(_ descriptor: Int32, into received: inout [UInt8], limit: Int) -> Bool {
        while received.count < limit {
            let got = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, min($0.count, limit - received.count), Int32(MSG_DONTWAIT))
            }
            if got > 0 {
                received.append(contentsOf: buffer[0..<got])
                continue
            }
            if got < 0, errno == EINTR { continue }
            return got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
        }
        return false
    }
}
