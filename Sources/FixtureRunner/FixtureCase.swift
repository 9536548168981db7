import FunctionRuntime

/// One header of a fixture request or response, as a name and its text value.
public struct FixtureHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One entry of a case's `expectedHeaders`: a header name and what its value must be.
///
/// `value` is a literal (`"*"`, `0`, `true`) or a type placeholder (`"string"`, `"number"`, ...); see
/// `FixtureJudge` for how each is checked. The name is compared case-insensitively.
public struct FixtureExpectedHeader: Sendable, Hashable {
    public var name: String
    public var value: JSONValue

    public init(name: String, value: JSONValue) {
        self.name = name
        self.value = value
    }
}

/// One test of a function's `tests.json`, resolved into a transport-neutral request and its expectations.
///
/// Everything the document leaves implicit is already applied here, so the in-process and the over-HTTP runners send
/// exactly the same thing:
/// - `method` is upper-cased and defaults to `GET`;
/// - `path` defaults to `/`, carries the query, and has the legacy `queryParams` / `queryStringParameters` maps
///   merged into it (see `FixtureQuery`);
/// - `body` is the bytes to send: an object or array JSON-encoded (compact, sorted keys), a string verbatim as UTF-8,
///   nothing when absent or `null`;
/// - when there is a body and the case sets no `Content-Type` (compared case-insensitively), a
///   `Content-Type: application/json` header is appended. For object and array bodies the reference says so; for string
///   bodies it is inferred from the platform frontend, which always sends that header (reference 1.4), so handlers
///   see the string as UTF-8 text rather than base64. A body-less case gets no header added.
public struct FixtureCase: Sendable {
    /// The case's `name`, or `tests[<index>]` when it has none.
    public var name: String
    /// Its position in `tests` (0-based), for reports.
    public var index: Int
    public var method: String
    /// Path plus query, percent-encoded where the request target requires it (`/?action=list&id=5`).
    public var path: String
    /// Request headers: the case's `headers` sorted by name (JSON objects carry no order), then the added
    /// `Content-Type`, if any.
    public var headers: [FixtureHeader]
    public var body: [UInt8]
    public var expectedStatus: Int
    /// `nil` when the case has no `expectedBody` (or it is `null`): then only the status and headers are checked.
    public var expectedBody: JSONValue?
    public var bodyMatcher: BodyMatcher
    /// Sorted by name, like `headers`.
    public var expectedHeaders: [FixtureExpectedHeader]

    public init(
        name: String, index: Int = 0, method: String = "GET", path: String = "/", headers: [FixtureHeader] = [],
        body: [UInt8] = [], expectedStatus: Int, expectedBody: JSONValue? = nil, bodyMatcher: BodyMatcher = .partial,
        expectedHeaders: [FixtureExpectedHeader] = []
    ) {
        self.name = name
        self.index = index
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.expectedStatus = expectedStatus
        self.expectedBody = expectedBody
        self.bodyMatcher = bodyMatcher
        self.expectedHeaders = expectedHeaders
    }

    /// The last value of the request header `name` (compared case-insensitively), if the case sends it.
    public func header(_ name: String) -> String? {
        let wanted = FixtureHeaderName.fold(name)
        return headers.last { FixtureHeaderName.fold($0.name) == wanted }?.value
    }
}

/// Header-name rules shared by the parser and the judge.
enum FixtureHeaderName {
    /// Case folding for comparisons: HTTP header names are ASCII tokens, so ASCII lower-casing is exact.
    static func fold(_ name: String) -> String {
        String(decoding: name.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// Whether `text` is an HTTP token (RFC 9110 `tchar`s, at least one): a valid method or header name. Anything
    /// else could not be sent as given, and a line break in it could forge a second header or request.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether `text` can be a header value: no control characters other than tab (so no CR, LF or NUL).
    static func isValidValue(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }
}
