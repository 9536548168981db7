/// A `requirements.txt` reduced to what decides the installed packages: comments, blank lines and
/// surrounding whitespace dropped, requirement lines in a stable order, so that files differing only
/// in layout share one environment.
public struct RequirementsSet: Sendable, Equatable {
    /// The meaningful lines, option lines (`--index-url`, `-r`, ...) first in their written order,
    /// then requirement lines sorted.
    public var lines: [String]

    public init(text: String) {
        var options: [String] = []
        var requirements: [String] = []
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            // A comment starts at `#` at the line's start or after whitespace (pip's rule).
            if let hash = line.indices.first(where: { line[$0] == "#" && ($0 == line.startIndex || line[line.index(before: $0)] == " " || line[line.index(before: $0)] == "\t") }) {
                line = line[..<hash]
            }
            let trimmed = String(line).trimmedASCIIWhitespace
            guard !trimmed.isEmpty else { continue }
            if trimmed.hasPrefix("-") { options.append(trimmed) } else { requirements.append(trimmed) }
        }
        lines = options + requirements.sorted()
    }

    /// The lines joined, one per line.
    public var normalized: String { lines.joined(separator: "\n") }

    /// 16 lower-case hex digits of a 64-bit FNV-1a hash of `text`: a cache key for a handful of
    /// sets, not a security boundary.
    public static func digest(_ text: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
