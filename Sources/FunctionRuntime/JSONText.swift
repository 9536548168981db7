/// Builds compact JSON text by appending, for hot paths where a `JSONEncoder` per call costs more
/// than the work itself (log lines, status answers). Keys are written in call order.
public struct JSONText: Sendable {
    public private(set) var text: String
    private var needsComma = false

    /// Starts an object (`{`); `finish()` closes it.
    public init(capacity: Int = 256) {
        text = "{"
        text.reserveCapacity(capacity)
    }

    public mutating func add(_ key: String, _ value: String) {
        appendKey(key)
        Self.appendQuoted(value, to: &text)
    }

    public mutating func add(_ key: String, _ value: Int) {
        appendKey(key)
        text += String(value)
    }

    public mutating func add(_ key: String, _ value: Double) {
        appendKey(key)
        if value.isFinite {
            text += value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        } else {
            text += "null"
        }
    }

    public mutating func add(_ key: String, _ value: Bool) {
        appendKey(key)
        text += value ? "true" : "false"
    }

    /// A value that is already JSON text.
    public mutating func add(_ key: String, raw json: String) {
        appendKey(key)
        text += json
    }

    public mutating func addNull(_ key: String) {
        appendKey(key)
        text += "null"
    }

    /// The closed object.
    public func finish() -> String {
        text + "}"
    }

    private mutating func appendKey(_ key: String) {
        if needsComma { text += "," }
        needsComma = true
        Self.appendQuoted(key, to: &text)
        text += ":"
    }

    /// `value` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ value: String) -> String {
        var output = ""
        appendQuoted(value, to: &output)
        return output
    }

    public static func appendQuoted(_ value: String, to output: inout String) {
        output += "\""
        var plainStart = value.utf8.startIndex
        var index = plainStart
        let utf8 = value.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                output += value[plainStart..<index]
                switch byte {
                case UInt8(ascii: "\""): output += "\\\""
                case UInt8(ascii: "\\"): output += "\\\\"
                case 0x0A: output += "\\n"
                case 0x0D: output += "\\r"
                case 0x09: output += "\\t"
                default:
                    let digits = Array("0123456789abcdef".utf8)
                    output += "\\u00"
                    output.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                    output.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0xF)]))
                }
                index = utf8.index(after: index)
                plainStart = index
            } else {
                index = utf8.index(after: index)
            }
        }
        output += value[plainStart..<utf8.endIndex]
        output += "\""
    }
}
