/// Standard base64 (RFC 4648 §4: `A–Z a–z 0–9 + /`, `=` padding), encode and strict decode.
///
/// The one base64 of the project: binary event and response bodies, secrets and signatures.
/// Decoding is strict: the text's length must be a
/// multiple of 4, padding may only close the last group (at most two `=`), every other byte must
/// be in the alphabet (no whitespace, no URL-safe `-`/`_`), and the bits the padding discards
/// must be zero. Anything else decodes to nil.
public enum StandardBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The 6-bit value of each ASCII byte, or 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// `bytes` as padded base64 text.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let remaining = input.count - index
            let first = input[index]
            let second = remaining > 1 ? input[index + 1] : 0
            let third = remaining > 2 ? input[index + 2] : 0
            output.append(alphabet[Int(first >> 2)])
            output.append(alphabet[Int((first & 0x03) << 4 | second >> 4)])
            output.append(remaining > 1 ? alphabet[Int((second & 0x0F) << 2 | third >> 6)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(third & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes `text` encodes, or nil when it is not strict padded base64 (see the type's notes).
    /// The empty string decodes to no bytes.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var group = 0
        while group < input.count {
            let isLast = group + 4 == input.count
            var sextets: [UInt8] = []
            var padding = 0
            for offset in 0..<4 {
                let byte = input[group + offset]
                if byte == UInt8(ascii: "=") {
                    // Padding only in the last group's final one or two places, and nothing after it.
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                    continue
                }
                guard padding == 0 else { return nil }
                let value = values[Int(byte)]
                guard value != 0xFF else { return nil }
                sextets.append(value)
            }
            switch padding {
            case 0:
                output.append(sextets[0] << 2 | sextets[1] >> 4)
                output.append(sextets[1] << 4 | sextets[2] >> 2)
                output.append(sextets[2] << 6 | sextets[3])
            case 1:
                guard sextets[2] & 0x03 == 0 else { return nil }
                output.append(sextets[0] << 2 | sextets[1] >> 4)
                output.append(sextets[1] << 4 | sextets[2] >> 2)
            default:
                guard sextets[1] & 0x0F == 0 else { return nil }
                output.append(sextets[0] << 2 | sextets[1] >> 4)
            }
            group += 4
        }
        return output
    }
}
