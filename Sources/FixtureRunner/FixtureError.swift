import FunctionRuntime

/// Why a `tests.json` file was rejected.
///
/// A malformed fixture is a bug in the function's folder, not a failing test, so parsing stops at the first problem
/// and says exactly where it is: the file, the case (its index in `tests` and, when it has one, its name) and the
/// field. For example:
///
///     functions/start/tests.json: tests[2] "start": field "expectedStatus": expected an integer, got string "202"
///
/// The parser never traps on bad input; every defect in the document surfaces as one of these.
public struct FixtureError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of defect, for callers (and tests) that branch on it rather than on the text.
    public enum Code: String, Sendable, Equatable {
        /// The file is not a JSON document (syntax error, invalid UTF-8, nesting deeper than 512 levels, ...).
        case invalidJSON
        /// The document's top level is not an object (`{"tests": [...]}` is required).
        case topLevelNotObject
        /// The top-level object has no `tests` key.
        case missingTests
        /// `tests` is present but is not an array.
        case testsNotArray
        /// An element of `tests` is not an object.
        case caseNotObject
        /// A required field of a case (only `expectedStatus`) is absent.
        case missingField
        /// A field has the wrong JSON type (`"method": 5`, `"headers": []`, ...).
        case wrongType
        /// A field has the right type but an unusable value (a status of 1000, a header value with a line break).
        case invalidValue
        /// `bodyMatcher` names no known matcher.
        case unknownBodyMatcher
    }

    public var code: Code
    /// The label of the file as given to `FixtureSuite.parse(_:file:)`.
    public var file: String
    /// The case's index in `tests` (0-based, as in `tests[2]`), when the defect is inside a case.
    public var caseIndex: Int?
    /// The case's `name`, when the defect is inside a case and the case has a readable name.
    public var caseName: String?
    /// The field, as a path inside the case (`expectedStatus`, `headers.X-User-Id`), when one is at fault.
    public var field: String?
    /// What is wrong, without the location (`expected an integer, got string "202"`).
    public var message: String

    public init(
        _ code: Code, file: String, caseIndex: Int? = nil, caseName: String? = nil, field: String? = nil,
        message: String
    ) {
        self.code = code
        self.file = file
        self.caseIndex = caseIndex
        self.caseName = caseName
        self.field = field
        self.message = message
    }

    /// `<file>: tests[<i>] "<name>": field "<field>": <message>`, leaving out the parts that do not apply.
    public var description: String {
        var text = file
        if let caseIndex {
            text += ": tests[\(caseIndex)]"
            if let caseName { text += " " + JSONValue.string(caseName).encoded() }
        }
        if let field { text += ": field " + JSONValue.string(field).encoded() }
        return text + ": " + message
    }
}
