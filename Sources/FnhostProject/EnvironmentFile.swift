/// A dotenv file (`.env`) parsed into ordered assignments, without touching the process environment.
///
/// Syntax, one assignment per line:
/// - `KEY=value` or `export KEY=value`; spaces around `=` are allowed. Keys are letters, digits and
///   `_`, not starting with a digit.
/// - Unquoted values end at a `#` preceded by whitespace (a comment) and are trimmed: `URL=http://x/#a`
///   keeps its `#a`.
/// - `'single'` quotes keep everything literally; `"double"` quotes understand `\n`, `\r`, `\t`,
///   `\"`, `\\`, `\'` and `\$` (any other backslash is kept as it is). Quoted values may span lines
///   (a PEM key); after the closing quote only whitespace and a comment may follow.
/// - Blank lines and lines starting with `#` are skipped. A key given twice keeps its last value.
/// - Values are taken literally: `${OTHER}` is not expanded.
///
/// Errors name the file and the line, never the value (a `.env` holds secrets).
public struct EnvironmentFile: Sendable, Equatable {
    /// One `KEY=value` line.
    public struct Assignment: Sendable, Equatable {
        public var name: String
        public var value: String
        /// 1-based line where the assignment starts.
        public var line: Int

        public init(name: String, value: String, line: Int) {
            self.name = name
            self.value = value
            self.line = line
        }
    }

    /// The file's path as given (for messages).
    public var file: String
    /// Every assignment in file order, duplicates included.
    public var assignments: [Assignment]

    /// Parses `text`, the contents of `file`.
    /// - Throws: `ProjectError` `.environmentFileSyntax` naming `file:line`.
    public init(parsing text: String, file: String) throws(ProjectError) {
        self.file = file
        var parser = EnvironmentFileParser(text: text, file: file)
        assignments = try parser.parseAll()
    }

    /// The variables' final values (the last assignment of a key wins).
    public var values: [String: String] {
        var result: [String: String] = [:]
        for assignment in assignments { result[assignment.name] = assignment.value }
        return result
    }

    /// The variable names in first-appearance order, each once.
    public var names: [String] {
        var seen: Set<String> = []
        return assignments.compactMap { seen.insert($0.name).inserted ? $0.name : nil }
    }

    /// What to set on top of `current`: the file's final values for the keys `current` does not
    /// have (a variable already set, even to the empty string, wins), in first-appearance order.
    public func assignments(over current: [String: String]) -> [(name: String, value: String)] {
        let final = values
        return names.compactMap { name in
            guard current[name] == nil, let value = final[name] else { return nil }
            return (name, value)
        }
    }

    /// Whether `name` is a key this syntax accepts (`[A-Za-z_][A-Za-z0-9_]*`).
    public static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
