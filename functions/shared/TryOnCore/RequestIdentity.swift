import FunctionRuntime

/// The caller's identity headers, checked.
public enum RequestIdentity {
    /// Longest accepted `X-User-Id`, in bytes. 128.
    public static let maxUserIdBytes = 128

    /// `X-User-Id`: required, 1-128 bytes of printable text; 401 otherwise.
    public static func requireUserId(_ event: Event) throws(TryOnError) -> String {
        guard let userId = try optionalUserId(event) else {
            throw TryOnError(.unauthorized, "X-User-Id header is required")
        }
        return userId
    }

    /// `X-User-Id` when present, nil when absent. A header that is present but unusable is refused
    /// (401) rather than treated as absent, since absent means "no owner check" to status: blank,
    /// over 128 bytes, control characters, bytes that were not UTF-8 (they arrive as U+FFFD), or
    /// the header given more than once (which of two identities would be meant?).
    public static func optionalUserId(_ event: Event) throws(TryOnError) -> String? {
        guard let raw = try singleHeader(event, "X-User-Id", problem: "X-User-Id must be given once") else { return nil }
        let userId = raw.trimmedASCIIWhitespace
        guard !userId.isEmpty, userId.utf8.count <= maxUserIdBytes,
            !userId.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{FFFD}" })
        else {
            throw TryOnError(.unauthorized, "X-User-Id must be 1-\(maxUserIdBytes) bytes of printable UTF-8 text")
        }
        return userId
    }

    /// The one value of header `name` (any casing), nil when absent; throws 401 with `problem` when
    /// the request repeats it. Credentials and identities must not be ambiguous.
    public static func singleHeader(_ event: Event, _ name: String, problem: String) throws(TryOnError) -> String? {
        // Counted in place: this runs on every status poll, where a filtered copy of the headers cost more than the read.
        var count = 0
        for (key, values) in event.multiValueHeaders where HeaderName.equal(key, name) { count += values.count }
        guard count <= 1 else { throw TryOnError(.unauthorized, problem) }
        return event.header(name)
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
