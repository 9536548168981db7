/// The environment variables Python source reads by a constant name, found without running it:
///
/// - `os.environ['X']`, `os.environ["X"]` (a read; `os.environ['X'] = ...` is a write and skipped),
/// - `os.environ.get('X'[, default])`, `os.environ.setdefault('X', ...)`, `os.getenv('X'[, default])`,
/// - `environ['X']`, `environ.get('X', ...)` after `from os import environ` (or `... as env`), and
///   `getenv('X', ...)` after `from os import getenv`; `import os as o` makes `o.environ` count.
///
/// Comments and the inside of string literals are never matched; names built at run time
/// (`os.environ[key]`, f-strings) are not reported. poehali.dev exports have no manifest of their
/// variables, so this is how the host tells which ones a project needs.
public struct EnvironmentVariableScan: Sendable, Equatable {
    /// One read of a variable.
    public struct Reading: Sendable, Equatable, Hashable {
        public var name: String
        /// 1-based line of the read.
        public var line: Int
        /// Whether the read names a fallback (`get('X', d)`, `getenv('X', d)`, `setdefault`).
        public var hasDefault: Bool

        public init(name: String, line: Int, hasDefault: Bool) {
            self.name = name
            self.line = line
            self.hasDefault = hasDefault
        }
    }

    /// The reads in source order.
    public var readings: [Reading]

    /// Scans one source text.
    public init(source: String) {
        let all = PythonLexer.tokens(source)
        let aliases = ImportAliases(all)
        let tokens = all.filter { $0.kind != .newline }
        var readings: [Reading] = []
        for position in tokens.indices {
            guard case .name(let word) = tokens[position].kind,
                position == 0 || tokens[position - 1].kind != .symbol(".")
            else { continue }
            var cursor = position + 1
            var isEnviron = aliases.environ.contains(word)
            var isGetenv = aliases.getenv.contains(word)
            if aliases.os.contains(word), Self.kind(tokens, cursor) == .symbol("."), case .name(let member) = Self.kind(tokens, cursor + 1) {
                isEnviron = member == "environ"
                isGetenv = member == "getenv"
                cursor += 2
            }
            if isGetenv, let reading = Self.call(tokens, at: cursor) {
                readings.append(reading)
            } else if isEnviron {
                if let reading = Self.subscriptRead(tokens, at: cursor) {
                    readings.append(reading)
                } else if Self.kind(tokens, cursor) == .symbol("."), case .name(let method) = Self.kind(tokens, cursor + 1),
                    method == "get" || method == "setdefault", var reading = Self.call(tokens, at: cursor + 2)
                {
                    if method == "setdefault" { reading.hasDefault = true }
                    readings.append(reading)
                }
            }
        }
        self.readings = readings
    }

    /// The distinct names read, sorted.
    public var names: [String] { Array(Set(readings.map(\.name))).sorted() }

    private static func kind(_ tokens: [PythonLexer.Token], _ index: Int) -> PythonLexer.Kind? {
        index < tokens.count ? tokens[index].kind : nil
    }

    /// `( 'NAME' )` or `( 'NAME' , ...` at `index`.
    private static func call(_ tokens: [PythonLexer.Token], at index: Int) -> Reading? {
        guard kind(tokens, index) == .symbol("("), case .string(let name?)? = kind(tokens, index + 1), isVariableName(name) else {
            return nil
        }
        switch kind(tokens, index + 2) {
        case .symbol(")"): return Reading(name: name, line: tokens[index + 1].line, hasDefault: false)
        case .symbol(","): return Reading(name: name, line: tokens[index + 1].line, hasDefault: kind(tokens, index + 3) != .symbol(")"))
        default: return nil
        }
    }

    /// `[ 'NAME' ]` at `index`, not followed by a lone `=` (an assignment).
    private static func subscriptRead(_ tokens: [PythonLexer.Token], at index: Int) -> Reading? {
        guard kind(tokens, index) == .symbol("["), case .string(let name?)? = kind(tokens, index + 1), isVariableName(name),
            kind(tokens, index + 2) == .symbol("]")
        else { return nil }
        if kind(tokens, index + 3) == .symbol("="), kind(tokens, index + 4) != .symbol("=") { return nil }
        return Reading(name: name, line: tokens[index + 1].line, hasDefault: false)
    }

    /// Environment variable names as programs use them: non-empty, no `=`, no NUL, no whitespace.
    static func isVariableName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "=" || $0 == "\0" || $0.properties.isWhitespace }
    }
}

/// The names under which a module refers to `os`, `os.environ` and `os.getenv`.
struct ImportAliases {
    var os: Set<String> = ["os"]
    var environ: Set<String> = []
    var getenv: Set<String> = []

    init(_ tokens: [PythonLexer.Token]) {
        var index = 0
        func word(_ offset: Int) -> String? {
            guard index + offset < tokens.count, case .name(let name) = tokens[index + offset].kind else { return nil }
            return name
        }
        while index < tokens.count {
            if word(0) == "import" {
                // import os [as o][, other ...]
                index += 1
                while index < tokens.count, tokens[index].kind != .newline {
                    if word(0) == "os", word(1) == "as", let alias = word(2) {
                        os.insert(alias)
                        index += 3
                    } else {
                        index += 1
                    }
                }
            } else if word(0) == "from", word(1) == "os", word(2) == "import" {
                // from os import environ [as e], getenv [as g] (parenthesised lists span lines)
                index += 3
                while index < tokens.count, tokens[index].kind != .newline {
                    if let name = word(0), name == "environ" || name == "getenv" {
                        let alias = word(1) == "as" ? word(2) ?? name : name
                        if name == "environ" { environ.insert(alias) } else { getenv.insert(alias) }
                        index += word(1) == "as" ? 3 : 1
                    } else {
                        index += 1
                    }
                }
            } else {
                index += 1
            }
        }
    }
}
