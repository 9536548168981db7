/// The one JSON writer: builds compact JSON text by appending, for hot paths where a `JSONEncoder`
/// per call costs more than the work itself (status answers, log lines). Keys are written in call
/// order. Its static parts (`appendQuoted`, `appendNumber`, `append(_:to:sortedKeys:)`) also write
/// every `JSONValue` and the event's JSON, so all of fnhost's JSON escapes strings and prints
/// numbers the same way.
///
/// The text grows in a byte buffer and becomes a `String` once, in `finish()`: appending bytes is a
/// copy, where every `String` append re-checks the string's encoding flags (callgrind showed the
/// status answer spending more instructions in `String.append` than in its database read).
public struct JSONText: Sendable {
    private var bytes: [UInt8]
    private var needsComma = false

    /// Starts an object (`{`); `finish()` closes it. `capacity`: bytes to reserve (default 256).
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    public mutating func add(_ key: String, _ value: String) {
        appendKey(key)
        Self.appendQuoted(value, to: &bytes)
    }

    public mutating func add(_ key: String, _ value: Int) {
        appendKey(key)
        Self.appendDecimal(value, to: &bytes)
    }

    public mutating func add(_ key: String, _ value: Double) {
        appendKey(key)
        Self.appendNumber(value, to: &bytes)
    }

    public mutating func add(_ key: String, _ value: Bool) {
        appendKey(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A value that is already JSON text.
    public mutating func add(_ key: String, raw json: String) {
        appendKey(key)
        bytes.append(contentsOf: json.utf8)
    }

    public mutating func addNull(_ key: String) {
        appendKey(key)
        bytes.append(contentsOf: "null".utf8)
    }

    /// A value written in full; `sortedKeys` orders its objects' members by key (default false:
    /// their own order).
    public mutating func add(_ key: String, _ value: JSONValue, sortedKeys: Bool = false) {
        appendKey(key)
        Self.append(value, to: &bytes, sortedKeys: sortedKeys)
    }

    /// The closed object.
    public func finish() -> String {
        var closed = bytes
        closed.append(UInt8(ascii: "}"))
        return String(decoding: closed, as: UTF8.self)
    }

    private mutating func appendKey(_ key: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        Self.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `value` as compact JSON text; `sortedKeys` orders every object's members by key,
    /// otherwise they keep their own order.
    public static func append(_ value: JSONValue, to output: inout [UInt8], sortedKeys: Bool) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): appendNumber(number, to: &output)
        case .string(let text): appendQuoted(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                append(element, to: &output, sortedKeys: sortedKeys)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            if sortedKeys {
                appendMembers(members.sortedByKey(), to: &output, sortedKeys: true)
            } else {
                appendMembers(members, to: &output, sortedKeys: false)
            }
        }
    }

    private static func appendMembers(_ members: some Collection<JSONObject.Member>, to output: inout [UInt8], sortedKeys: Bool) {
        output.append(UInt8(ascii: "{"))
        var first = true
        for member in members {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            appendQuoted(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            append(member.value, to: &output, sortedKeys: sortedKeys)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Appends `value` as a JSON number: integral values within ±2^53 without a fraction (`200`,
    /// not `200.0`), others as Swift prints them (`2.5`, `1e+300`), and `null` for NaN and the
    /// infinities, which JSON cannot express.
    public static func appendNumber(_ value: Double, to output: inout [UInt8]) {
        if !value.isFinite {
            output.append(contentsOf: "null".utf8)
        } else if value.rounded() == value, abs(value) <= 9_007_199_254_740_992 {
            appendDecimal(Int(value), to: &output)
        } else {
            output.append(contentsOf: value.description.utf8)
        }
    }

    /// `value` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ value: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count + 2)
        appendQuoted(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `value` as a JSON string literal, copying runs that need no escape in one step.
    public static func appendQuoted(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var copy = value
        copy.withUTF8 { utf8 in
            var plainStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart..<index]))
                output.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                default:
                    output.append(contentsOf: "u00".utf8)
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0xF)])
                }
                plainStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the decimal digits of `value` without an intermediate String.
    static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }
}
