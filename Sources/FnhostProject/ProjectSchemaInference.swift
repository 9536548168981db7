/// Finds the poehali.dev project schema a project's migrations write to.
///
/// poehali.dev gives each project a schema named `t_p<digits>_<slug>` and its migrations usually
/// qualify every name with it (`CREATE TABLE t_p12345678_shop.orders ...`), while the functions read
/// it from `MAIN_DB_SCHEMA`. This scan finds every such qualifier (`t_p…_….` or `"t_p…_…".`, case
/// folded as PostgreSQL folds unquoted names) so the host can create those schemas before migrating
/// and, when `MAIN_DB_SCHEMA` is unset, use the most frequent one (ties: the first seen).
public struct ProjectSchemaInference: Sendable, Equatable {
    /// Every project schema the texts qualify names with, most frequent first.
    public var schemas: [String]

    /// Scans migration texts, in the order they apply.
    public init(migrations: [String]) {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for text in migrations {
            for schema in Self.qualifiers(in: text) {
                if counts[schema] == nil { order.append(schema) }
                counts[schema, default: 0] += 1
            }
        }
        schemas = order.enumerated().sorted { left, right in
            let (a, b) = (counts[left.element] ?? 0, counts[right.element] ?? 0)
            return a != b ? a > b : left.offset < right.offset
        }.map(\.element)
    }

    /// The schema to use as `MAIN_DB_SCHEMA`, or nil when the migrations name none.
    public var mainSchema: String? { schemas.first }

    /// Whether `name` has the shape of a poehali.dev project schema: `t_p`, digits, `_`, then at
    /// least one of `[a-z0-9_]`.
    public static func isProjectSchemaName(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count > 4, bytes.starts(with: Array("t_p".utf8)) else { return false }
        var position = 3
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        guard position > 3, position < bytes.count - 1, bytes[position] == UInt8(ascii: "_") else { return false }
        return bytes[(position + 1)...].allSatisfy { isDigit($0) || isLowercase($0) || $0 == UInt8(ascii: "_") }
    }

    /// The schema qualifiers in one text, in order, repeats included.
    static func qualifiers(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        var found: [String] = []
        var position = 0
        while position < bytes.count {
            let quoted = bytes[position] == UInt8(ascii: "\"")
            let start = quoted ? position + 1 : position
            let atBoundary = position == 0 || !isIdentifierByte(bytes[position - 1])
            guard atBoundary, start + 3 < bytes.count,
                bytes[start] | 0x20 == UInt8(ascii: "t"), bytes[start + 1] == UInt8(ascii: "_"), bytes[start + 2] | 0x20 == UInt8(ascii: "p")
            else {
                position += 1
                continue
            }
            var end = start
            while end < bytes.count, isIdentifierByte(bytes[end]) { end += 1 }
            var word = String(decoding: bytes[start..<end], as: UTF8.self)
            var next = end
            if quoted {
                guard next < bytes.count, bytes[next] == UInt8(ascii: "\"") else {
                    position = end
                    continue
                }
                next += 1
            } else {
                word = word.lowercased()
            }
            if next < bytes.count, bytes[next] == UInt8(ascii: "."), isProjectSchemaName(Substring(word)) {
                found.append(word)
            }
            position = max(end, position + 1)
        }
        return found
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isLowercase(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || isLowercase(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "$") || byte >= 0x80
    }
}
