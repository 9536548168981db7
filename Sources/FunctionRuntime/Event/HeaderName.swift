#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Header-name spelling as the platform delivers it.
///
/// Every function here works on the UTF-8 bytes and builds at most one new string: they run for
/// every header of every request and response, where `lowercased()` (Unicode-aware) and chains of
/// string copies showed up in the worker's instruction profile.
public enum HeaderName {
    /// Canonical MIME casing: the first letter and every letter after `-` upper case, the rest lower
    /// (`x-user-id` and `X_USER_ID`-derived `x-user-id` both become `X-User-Id`). Returns `name`
    /// itself when it is already canonical.
    public static func canonical(_ name: String) -> String {
        var upperNext = true
        let isCanonical = name.utf8.allSatisfy { byte in
            defer { upperNext = byte == UInt8(ascii: "-") }
            return upperNext ? !isLower(byte) : !isUpper(byte)
        }
        return isCanonical ? name : canonical(bytes: name.utf8, underscoreIsDash: false)
    }

    /// The header name a FastCGI/CGI parameter stands for (`HTTP_X_USER_ID` -> `X-User-Id`), or nil
    /// for parameters that are not request headers.
    public static func fromCGIParameter(_ parameter: String) -> String? {
        let utf8 = parameter.utf8
        guard utf8.count > 5, utf8.starts(with: "HTTP_".utf8) else { return nil }
        return canonical(bytes: utf8.dropFirst(5), underscoreIsDash: true)
    }

    /// Case-insensitive equality for ASCII header names.
    public static func equal(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count && left.utf8.elementsEqual(right.utf8) { lowered($0) == lowered($1) }
    }

    /// Byte-wise order of two names (what sorting header lines uses: stable, and far cheaper than
    /// `String`'s Unicode-aware comparison).
    public static func precedes(_ left: String, _ right: String) -> Bool {
        var left = left, right = right
        return left.withUTF8 { l in
            right.withUTF8 { r in
                let common = min(l.count, r.count)
                if common > 0, let lb = l.baseAddress, let rb = r.baseAddress {
                    let order = memcmp(lb, rb, common)
                    if order != 0 { return order < 0 }
                }
                return l.count < r.count
            }
        }
    }

    /// `name` with ASCII letters in lower case (header names are ASCII tokens; other bytes stay).
    public static func lowercased(_ name: String) -> String {
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.contains(where: isUpper) else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { output in
                for index in bytes.indices { output[index] = lowered(bytes[index]) }
                return bytes.count
            }
        } ?? name
    }

    /// True when `name` is a non-empty RFC 9110 token (what a header name may be).
    public static func isToken(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in !bytes.isEmpty && bytes.allSatisfy { tokenBytes[Int($0)] } }
    }

    private static func canonical<Bytes: Sequence<UInt8>>(bytes: Bytes, underscoreIsDash: Bool) -> String {
        var result = [UInt8]()
        result.reserveCapacity(bytes.underestimatedCount)
        var upperNext = true
        for var byte in bytes {
            if underscoreIsDash, byte == UInt8(ascii: "_") { byte = UInt8(ascii: "-") }
            if upperNext, isLower(byte) {
                result.append(byte - 32)
            } else if !upperNext, isUpper(byte) {
                result.append(byte + 32)
            } else {
                result.append(byte)
            }
            upperNext = byte == UInt8(ascii: "-")
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
    private static func lowered(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte + 32 : byte }

    /// RFC 9110 `tchar`: letters, digits and ``!#$%&'*+-.^_`|~``, as a 256-entry table.
    private static let tokenBytes: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        return isLower(byte) || isUpper(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}
