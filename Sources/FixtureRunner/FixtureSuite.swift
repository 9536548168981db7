import FunctionRuntime

/// A function's `tests.json`: the cases to run against it, in file order.
///
/// The format (reference, section 9) is `{"tests": [case, ...]}`; each case is read by `FixtureCaseReader` into a
/// `FixtureCase`, with every default applied. Other top-level keys are ignored. An empty `tests` array is a valid
/// suite with no cases; deciding whether that is worth a warning is the runner's business.
///
/// Parsing is total: whatever the bytes, it returns a suite or throws a `FixtureError` that names the file, the case
/// and the field at fault. It never traps (the JSON parser it uses rejects nesting deeper than 512 levels rather than
/// exhausting the stack).
public struct FixtureSuite: Sendable {
    public var cases: [FixtureCase]

    public init(cases: [FixtureCase]) {
        self.cases = cases
    }

    /// Parses the contents of a `tests.json`.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8; a leading byte-order mark is tolerated).
    ///   - file: how to name the file in errors, typically its path (`functions/start/tests.json`).
    public static func parse(_ bytes: [UInt8], file: String) throws(FixtureError) -> FixtureSuite {
        let document = try parseDocument(bytes, file: file)
        guard case .object(let members) = document else {
            throw FixtureError(
                .topLevelNotObject, file: file,
                message:
                    "the top level must be an object {\"tests\": [...]}, got \(ValueDescription.describe(document))")
        }
        guard let tests = members["tests"] else {
            throw FixtureError(.missingTests, file: file, message: "the top-level object has no \"tests\" array")
        }
        guard case .array(let elements) = tests else {
            throw FixtureError(
                .testsNotArray, file: file, field: "tests",
                message: "expected an array of test cases, got \(ValueDescription.describe(tests))")
        }
        var cases: [FixtureCase] = []
        cases.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            cases.append(try FixtureCaseReader.read(element, index: index, file: file))
        }
        return FixtureSuite(cases: cases)
    }

    /// Parses the contents of a `tests.json` given as text.
    public static func parse(_ text: String, file: String) throws(FixtureError) -> FixtureSuite {
        try parse(Array(text.utf8), file: file)
    }

    /// The whole document as a `JSONValue`, or an `invalidJSON` error.
    private static func parseDocument(_ bytes: [UInt8], file: String) throws(FixtureError) -> JSONValue {
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        if bytes.allSatisfy({ whitespace.contains($0) }) {
            throw FixtureError(.invalidJSON, file: file, message: "the file is empty; expected {\"tests\": [...]}")
        }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            let (line, column) = lineAndColumn(ofByte: error.offset, in: bytes)
            throw FixtureError(
                .invalidJSON, file: file,
                message: "not valid JSON at line \(line), column \(column) (byte \(error.offset)): \(error.reason)")
        }
    }

    /// Where byte `offset` of `bytes` stands as an editor counts it: the line (from 1, after each
    /// line feed) and the column (from 1, in characters: UTF-8 continuation bytes and a leading
    /// byte-order mark do not count). An offset past the end stands just after the last byte.
    static func lineAndColumn(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let byteOrderMark = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var column = 1
        for byte in bytes.prefix(max(0, offset)).dropFirst(byteOrderMark) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
