import Synchronization

/// Trace ids (`X-Trace-Id`): UUID-shaped and unique, but not secret, so they come from a
/// per-process SplitMix64 stream seeded once from the system's random source, instead of a
/// `getrandom` system call per request. Task ids and anything guessable-sensitive use `UUIDText`.
public enum TraceID {
    private static let state = Mutex<UInt64>(0)

    public static func make() -> String {
        let (high, low) = state.withLock { state -> (UInt64, UInt64) in
            if state == 0 {
                var system = SystemRandomNumberGenerator()
                state = system.next() | 1
            }
            return (next(&state), next(&state))
        }
        return format(high: high, low: low)
    }

    private static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// 8-4-4-4-12 lower-case hex, with the version (4) and variant bits of a random UUID.
    static func format(high: UInt64, low: UInt64) -> String {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        var position = 0
        for nibble in 0..<32 {
            if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
            let word = nibble < 16 ? high : low
            let shift = UInt64(60 - (nibble % 16) * 4)
            bytes[position] = digits[Int((word >> shift) & 0xF)]
            position += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
