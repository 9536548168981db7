/// The scanner behind ``EnvironmentFile``: walks the text's Unicode scalars once, line by line.
/// Kept apart so that `EnvironmentFile` stays the data and its rules.
struct EnvironmentFileParser {
    private let scalars: [Unicode.Scalar]
    private let file: String
    private var index = 0
    private var line = 1

    init(text: String, file: String) {
        scalars = Array(text.unicodeScalars)
        self.file = file
    }

    mutating func parseAll() throws(ProjectError) -> [EnvironmentFile.Assignment] {
        var result: [EnvironmentFile.Assignment] = []
        while index < scalars.count {
            if let assignment = try parseLine() { result.append(assignment) }
        }
        return result
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func failure(_ reason: String, line: Int? = nil) -> ProjectError {
        ProjectError(.environmentFileSyntax, "\(file):\(line ?? self.line): \(reason)")
    }

    /// One logical line (several physical ones for a quoted multi-line value); nil for blank and
    /// comment lines. Leaves `index` after the line's newline.
    private mutating func parseLine() throws(ProjectError) -> EnvironmentFile.Assignment? {
        let startLine = line
        skipBlanks()
        guard let first = current, first != "\n", first != "#" else {
            skipRestOfLine()
            return nil
        }
        var name = readWord()
        if name == "export", let next = current, next == " " || next == "\t" {
            skipBlanks()
            name = readWord()
        }
        skipBlanks()
        // Messages quote nothing from the file: a stray line may well be a pasted secret.
        guard current == "=" else { throw failure("expected KEY=value (or export KEY=value); no `=` after the first word") }
        guard EnvironmentFile.isValidName(Substring(name)) else {
            throw failure(name.isEmpty ? "the line starts with `=`: the key is missing"
                : "the key is not a variable name (letters, digits and _, not starting with a digit)")
        }
        index += 1
        skipBlanks()
        let value: String
        switch current {
        case "'": value = try readQuoted(closing: "'", escapes: false, openedOn: startLine)
        case "\"": value = try readQuoted(closing: "\"", escapes: true, openedOn: startLine)
        default: value = try readUnquoted()
        }
        skipRestOfLine()
        return EnvironmentFile.Assignment(name: name, value: value, line: startLine)
    }

    private mutating func skipBlanks() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\r" { index += 1 }
    }

    /// Past the next newline (or to the end).
    private mutating func skipRestOfLine() {
        while let scalar = current {
            index += 1
            if scalar == "\n" {
                line += 1
                return
            }
        }
    }

    /// Characters up to whitespace, `=` or the line's end.
    private mutating func readWord() -> String {
        var word = String.UnicodeScalarView()
        while let scalar = current, scalar != " ", scalar != "\t", scalar != "\r", scalar != "\n", scalar != "=" {
            word.append(scalar)
            index += 1
        }
        return String(word)
    }

    /// To the end of the line or a ` #` comment, trailing whitespace trimmed.
    private mutating func readUnquoted() throws(ProjectError) -> String {
        var value = String.UnicodeScalarView()
        var previousWasBlank = false
        while let scalar = current, scalar != "\n" {
            if scalar == "#", previousWasBlank { break }
            if scalar == "\0" { throw failure("the value contains a NUL character") }
            previousWasBlank = scalar == " " || scalar == "\t"
            value.append(scalar)
            index += 1
        }
        while let last = value.last, last == " " || last == "\t" || last == "\r" { value.removeLast() }
        return String(value)
    }

    /// A quoted value starting at the opening quote; only blanks and a comment may follow it.
    private mutating func readQuoted(closing: Unicode.Scalar, escapes: Bool, openedOn startLine: Int) throws(ProjectError) -> String {
        index += 1
        var value = String.UnicodeScalarView()
        var closed = false
        while let scalar = current {
            index += 1
            if scalar == closing {
                closed = true
                break
            }
            if scalar == "\n" { line += 1 }
            if scalar == "\0" { throw failure("the value contains a NUL character", line: startLine) }
            if escapes, scalar == "\\", let next = current {
                index += 1
                switch next {
                case "n": value.append("\n")
                case "r": value.append("\r")
                case "t": value.append("\t")
                case "\"", "\\", "'", "$": value.append(next)
                default:
                    value.append("\\")
                    value.append(next)
                    if next == "\n" { line += 1 }
                }
                continue
            }
            value.append(scalar)
        }
        guard closed else {
            throw failure("the \(closing == "'" ? "single" : "double") quote opened here is never closed", line: startLine)
        }
        skipBlanks()
        if let next = current, next != "\n", next != "#" {
            throw failure("unexpected text after the closing quote (put a comment after whitespace and #)")
        }
        return String(value)
    }
}
