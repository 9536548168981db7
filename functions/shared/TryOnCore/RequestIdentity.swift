import FunctionRuntime

/// The caller's identity headers, checked.
public enum RequestIdentity {
    /// Longest accepted `X-User-Id`, in bytes. 128.
    public static let maxUserIdBytes = 128

    /// `X-User-Id`: required, 1-128 printable characters; 401 otherwise.
    public static func requireUserId(_ event: Event) throws(TryOnError) -> String {
        guard let userId = optionalUserId(event) else {
            throw TryOnError(.unauthorized, "X-User-Id header is required")
        }
        return userId
    }

    /// `X-User-Id` when present and well-formed; a malformed one is treated as absent.
    public static func optionalUserId(_ event: Event) -> String? {
        guard let raw = event.header("X-User-Id") else { return nil }
        let userId = raw.trimmedASCIIWhitespace
        guard !userId.isEmpty, userId.utf8.count <= maxUserIdBytes, userId.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F })
        else { return nil }
        return userId
    }

    /// Constant-time comparison for secrets (the worker token).
    public static func secretsMatch(_ given: String, _ expected: String) -> Bool {
        let left = Array(given.utf8)
        let right = Array(expected.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }

    /// The request body as text: decoded from base64 when the platform encoded it (a client that
    /// did not send `Content-Type: application/json`).
    public static func bodyText(_ event: Event) throws(TryOnError) -> String {
        guard event.isBase64Encoded else { return event.body }
        guard let bytes = event.bodyBytes else { throw TryOnError(.invalidRequest, "The request body is not valid base64") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TryOnError(.invalidRequest, "The request body is not UTF-8 text")
        }
        return text
    }
}
