#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Lower-case UUID text (version 4), the form the platform uses for request and task ids.
public enum UUIDText {
    public static func random() -> String {
        UUID().uuidString.lowercased()
    }

    /// True for the 8-4-4-4-12 hexadecimal form, in any case.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let isHex =
                    (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102)
                guard isHex else { return false }
            }
        }
        return true
    }
}
