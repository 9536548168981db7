/// Hexadecimal text (lowercase, two digits per byte), as checksums and test vectors are written, and
/// as PostgreSQL writes `bytea` values (images of several megabytes: both directions work on bytes,
/// never on `Character`s).
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        encode(bytes, prefix: "")
    }

    /// `prefix` followed by the hex digits of `bytes`, built in one allocation.
    public static func encode(_ bytes: [UInt8], prefix: String) -> String {
        let head = Array(prefix.utf8)
        return String(unsafeUninitializedCapacity: head.count + bytes.count * 2) { buffer in
            var index = 0
            for byte in head {
                buffer[index] = byte
                index += 1
            }
            for byte in bytes {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    /// The bytes of even-length hex text (either case); nil on any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    /// The bytes of even-length hex digits (either case); nil on any other byte.
    public static func decode(_ characters: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = value(characters[index]), let low = value(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}
