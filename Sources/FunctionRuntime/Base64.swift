#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Standard base64 (RFC 4648, with padding), as the platform uses for binary bodies.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    public static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { Array($0) }
    }
}

extension Event {
    /// Decodes an event from JSON (missing fields get the platform's values for an empty request).
    public static func decode(json bytes: [UInt8]) throws -> Event {
        try JSONDecoder().decode(Event.self, from: Data(bytes))
    }
}
