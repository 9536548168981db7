/// HMAC-SHA256 (RFC 2104 with ``SHA256``), streaming or one-shot.
///
/// A key longer than the 64-byte block is hashed first; a shorter one is zero-padded, as the
/// RFC says, so keys of any length (empty included) work. The key is not kept after `init`:
/// only the two padded-key hashers are.
public struct HMACSHA256: Sendable {
    /// Tag length in bytes (32).
    public static let tagByteCount = SHA256.digestByteCount

    private var inner = SHA256()
    private var outer = SHA256()

    /// Starts a MAC under `key` (any length).
    public init(key: some Sequence<UInt8>) {
        var block = Array(key)
        if block.count > SHA256.blockByteCount { block = SHA256.hash(block) }
        block.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - block.count))
        inner.update(block.map { $0 ^ 0x36 })
        outer.update(block.map { $0 ^ 0x5c })
    }

    /// The 32-byte tag of `message` under `key` in one call.
    public static func authenticationCode(key: some Sequence<UInt8>, message: some Sequence<UInt8>) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// Absorbs more message bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        inner.update(bytes)
    }

    /// The 32-byte tag. The value is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        outer.update(inner.finalize())
        return outer.finalize()
    }
}
