/// Messages between the master and a worker over their private `SOCK_SEQPACKET` socket, one per
/// packet, a kind byte then little-endian fields. Invocations themselves are recorded in the
/// scoreboard, so a request served on a connection the worker holds costs no message at all.
enum ControlMessage: Equatable, Sendable {
    /// Master -> worker, with the connection's descriptor: serve the request on it. `connection` is
    /// the master's id for it. A worker holding another connection lets go of that one first.
    case dispatch(connection: UInt64)
    /// Master -> worker, with a connection the master made itself: serve the timer invocation on
    /// it (its body is the trigger event). Only this message makes an invocation a timer's: no
    /// FastCGI parameter can, so a client that speaks FastCGI to a function's socket cannot pose
    /// as a timer.
    case timer(connection: UInt64)
    /// Worker -> master: the connection ended (nginx closed it, or kept-alive was off); the master
    /// closes its own descriptor.
    case closed(connection: UInt64)
    /// Worker -> master: the connection is still open but the worker let it go (requests were
    /// waiting); the master watches it for its next request.
    case released(connection: UInt64)
    /// Worker -> master: an invocation ended while the master had requests waiting (it asked, through
    /// the scoreboard's notify flag).
    case free

    /// The largest message, in bytes.
    static let capacity = 16

    func encoded() -> [UInt8] {
        switch self {
        case .dispatch(let connection): [UInt8(ascii: "D")] + Self.bytes(connection)
        case .timer(let connection): [UInt8(ascii: "T")] + Self.bytes(connection)
        case .closed(let connection): [UInt8(ascii: "C")] + Self.bytes(connection)
        case .released(let connection): [UInt8(ascii: "R")] + Self.bytes(connection)
        case .free: [UInt8(ascii: "F")]
        }
    }

    static func decode(_ bytes: some Collection<UInt8>) -> ControlMessage? {
        let bytes = Array(bytes)
        guard let kind = bytes.first else { return nil }
        switch kind {
        case UInt8(ascii: "D") where bytes.count == 9: return .dispatch(connection: value(bytes))
        case UInt8(ascii: "T") where bytes.count == 9: return .timer(connection: value(bytes))
        case UInt8(ascii: "C") where bytes.count == 9: return .closed(connection: value(bytes))
        case UInt8(ascii: "R") where bytes.count == 9: return .released(connection: value(bytes))
        case UInt8(ascii: "F") where bytes.count == 1: return .free
        default: return nil
        }
    }

    private static func bytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    private static func value(_ bytes: [UInt8]) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[1 + $1]) << (8 * UInt64($1)) }
    }
}
