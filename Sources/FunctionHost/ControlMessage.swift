/// Messages between the master and a worker over their private `SOCK_SEQPACKET` socket (one message
/// per packet, fields separated by tabs). The master sends `dispatch` together with the connection's
/// descriptor; the worker answers `ended` when the response is written. That is all a request costs
/// on this socket: the master peeks at the request's start itself, so no `began` round trip is needed.
enum ControlMessage: Equatable, Sendable {
    /// Master -> worker: serve the request on the passed connection; the deadline is epoch ms.
    case dispatch(deadlineMilliseconds: Int64)
    /// Worker -> master: the response was written (`status` 0 when the connection ended before a
    /// request). `kept`: nginx keeps the connection. `retiring`: the worker exits next.
    case ended(status: Int, outcome: String, kept: Bool, retiring: Bool, failure: String)

    /// The largest message, in bytes; longer failure texts are cut.
    static let capacity = 2048

    func encoded() -> [UInt8] {
        let text: String
        switch self {
        case .dispatch(let deadline):
            text = "D\t\(deadline)"
        case .ended(let status, let outcome, let kept, let retiring, let failure):
            text = "E\t\(status)\t\(Self.clean(outcome))\t\(kept ? 1 : 0)\t\(retiring ? 1 : 0)\t\(Self.clean(failure))"
        }
        return Array(text.utf8.prefix(Self.capacity))
    }

    static func decode(_ bytes: some Collection<UInt8>) -> ControlMessage? {
        let fields = bytes.split(separator: 9, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        switch fields.first {
        case "D" where fields.count == 2:
            return Int64(fields[1]).map { .dispatch(deadlineMilliseconds: $0) }
        case "E" where fields.count == 6:
            guard let status = Int(fields[1]) else { return nil }
            return .ended(
                status: status, outcome: fields[2], kept: fields[3] == "1", retiring: fields[4] == "1",
                failure: fields[5])
        default:
            return nil
        }
    }

    /// Tabs and line breaks would split fields: they become spaces.
    private static func clean(_ text: String) -> String {
        String(decoding: text.utf8.prefix(1024).map { $0 == 9 || $0 == 10 || $0 == 13 ? 32 : $0 }, as: UTF8.self)
    }
}
