/// Header-name spelling as the platform delivers it.
public enum HeaderName {
    /// Canonical MIME casing: the first letter and every letter after `-` upper case, the rest lower
    /// (`x-user-id` and `X_USER_ID`-derived `x-user-id` both become `X-User-Id`).
    public static func canonical(_ name: String) -> String {
        var result = [UInt8]()
        result.reserveCapacity(name.utf8.count)
        var upperNext = true
        for byte in name.utf8 {
            if upperNext, byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") {
                result.append(byte - 32)
            } else if !upperNext, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                result.append(byte + 32)
            } else {
                result.append(byte)
            }
            upperNext = byte == UInt8(ascii: "-")
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The header name a FastCGI/CGI parameter stands for (`HTTP_X_USER_ID` -> `X-User-Id`), or nil
    /// for parameters that are not request headers.
    public static func fromCGIParameter(_ parameter: String) -> String? {
        guard parameter.hasPrefix("HTTP_"), parameter.utf8.count > 5 else { return nil }
        return canonical(String(parameter.dropFirst(5)).replacingUnderscores())
    }

    /// Case-insensitive equality for ASCII header names.
    public static func equal(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count && left.lowercased() == right.lowercased()
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)
    }
}
