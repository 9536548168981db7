import FunctionRuntime

/// Turns one element of `tests` into a `FixtureCase`, checking every field's type as it goes.
///
/// Each reader knows where it is (file, index, case name), so every error it throws points at the field. Optional
/// fields that are absent or `null` take their defaults; keys the format does not define are ignored, so fixtures
/// that carry extra annotations (`description`, ...) still load.
struct FixtureCaseReader {
    let file: String
    let index: Int
    let members: JSONObject
    /// Filled in once `name` has been read, so later errors name the case.
    private var caseName: String?

    /// The case at `index` of `tests`, or the first defect found in it.
    static func read(_ value: JSONValue, index: Int, file: String) throws(FixtureError) -> FixtureCase {
        guard case .object(let members) = value else {
            throw FixtureError(
                .caseNotObject, file: file, caseIndex: index,
                message: "expected an object, got \(ValueDescription.describe(value))")
        }
        var reader = FixtureCaseReader(file: file, index: index, members: members)
        return try reader.read()
    }

    private init(file: String, index: Int, members: JSONObject) {
        self.file = file
        self.index = index
        self.members = members
    }

    private mutating func read() throws(FixtureError) -> FixtureCase {
        let name = try string("name")
        if let name, !name.isEmpty { caseName = name }

        let method = try string("method").map(Self.upperCased) ?? "GET"
        guard FixtureHeaderName.isToken(method) else {
            throw failure(
                .invalidValue, "method", "expected an HTTP method such as GET, got \(ValueDescription.quote(method))")
        }

        var parameters: [(name: String, value: String)] = []
        for field in ["queryParams", "queryStringParameters"] {
            parameters += try queryParameters(field)
        }
        let path = FixtureQuery.target(path: try string("path") ?? "/", parameters: parameters)

        var headers = try requestHeaders()
        let body: [UInt8]?
        switch members["body"] {
        case nil, .null?: body = nil
        case .string(let text)?: body = Array(text.utf8)
        case let value? where value.arrayValue != nil || value.objectValue != nil: body = Array(value.encoded().utf8)
        case let value?: throw wrongType("body", "an object, an array or a string", value)
        }
        if body != nil, !headers.contains(where: { FixtureHeaderName.fold($0.name) == "content-type" }) {
            headers.append(FixtureHeader(name: "Content-Type", value: "application/json"))
        }

        return FixtureCase(
            name: caseName ?? "tests[\(index)]", index: index, method: method, path: path, headers: headers,
            body: body ?? [],
            expectedStatus: try expectedStatus(), expectedBody: expectedBody(),
            bodyMatcher: try bodyMatcher(), expectedHeaders: try expectedHeaders())
    }

    // MARK: Fields

    private func expectedStatus() throws(FixtureError) -> Int {
        guard let value = members["expectedStatus"] else {
            throw failure(.missingField, "expectedStatus", "required, and missing")
        }
        guard case .number(let number) = value else { throw wrongType("expectedStatus", "an integer", value) }
        guard number.rounded() == number, (100...599).contains(number) else {
            throw failure(
                .invalidValue, "expectedStatus", "expected an HTTP status from 100 to 599, got \(value.encoded())")
        }
        return Int(number)
    }

    /// `nil` when absent or `null`. (Spelled out: in `x == .null ? nil : x` the `nil` would become
    /// `JSONValue.null`, which is `ExpressibleByNilLiteral`.)
    private func expectedBody() -> JSONValue? {
        switch members["expectedBody"] {
        case nil, .null?: return Optional<JSONValue>.none
        case let value?: return value
        }
    }

    private func bodyMatcher() throws(FixtureError) -> BodyMatcher {
        guard let text = try string("bodyMatcher") else { return .partial }
        guard let matcher = BodyMatcher(rawValue: FixtureHeaderName.fold(text)) else {
            let known = BodyMatcher.allCases.map(\.rawValue).joined(separator: ", ")
            throw failure(
                .unknownBodyMatcher, "bodyMatcher", "unknown matcher \(ValueDescription.quote(text)); known: \(known)")
        }
        return matcher
    }

    private func requestHeaders() throws(FixtureError) -> [FixtureHeader] {
        try object("headers").map { (name, value) throws(FixtureError) in
            let field = "headers." + name
            try checkHeaderName(name, field: field)
            guard let text = Self.scalarText(value) else { throw wrongType(field, "a string", value) }
            guard FixtureHeaderName.isValidValue(text) else {
                throw failure(
                    .invalidValue, field, "a header value cannot contain control characters such as line breaks")
            }
            return FixtureHeader(name: name, value: text)
        }
    }

    private func expectedHeaders() throws(FixtureError) -> [FixtureExpectedHeader] {
        try object("expectedHeaders").map { (name, value) throws(FixtureError) in
            let field = "expectedHeaders." + name
            try checkHeaderName(name, field: field)
            if value.arrayValue != nil || value.objectValue != nil {
                throw wrongType(field, "a string, a number, a boolean or null", value)
            }
            return FixtureExpectedHeader(name: name, value: value)
        }
    }

    private func queryParameters(_ field: String) throws(FixtureError) -> [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = []
        for (name, value) in try object(field) {
            if let text = Self.scalarText(value) {
                parameters.append((name, text))
            } else if case .array(let elements) = value {
                for element in elements {
                    guard let text = Self.scalarText(element) else {
                        throw wrongType("\(field).\(name)", "an array of strings, numbers or booleans", value)
                    }
                    parameters.append((name, text))
                }
            } else {
                throw wrongType("\(field).\(name)", "a string, a number, a boolean or an array of them", value)
            }
        }
        return parameters
    }

    // MARK: Typed access

    /// The field as a string; `nil` when absent or `null`.
    private func string(_ field: String) throws(FixtureError) -> String? {
        switch members[field] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let value?: throw wrongType(field, "a string", value)
        }
    }

    /// The field's members sorted by name (case-insensitively, then exactly, so the order is total); `[]` when
    /// absent or `null`.
    private func object(_ field: String) throws(FixtureError) -> [(key: String, value: JSONValue)] {
        switch members[field] {
        case nil, .null?: return []
        case .object(let entries)?:
            return entries.sorted {
                let (left, right) = (FixtureHeaderName.fold($0.key), FixtureHeaderName.fold($1.key))
                return left != right ? left < right : $0.key < $1.key
            }
        case let value?: throw wrongType(field, "an object", value)
        }
    }

    private func checkHeaderName(_ name: String, field: String) throws(FixtureError) {
        guard FixtureHeaderName.isToken(name) else {
            throw failure(.invalidValue, field, "\(ValueDescription.quote(name)) is not a valid header name")
        }
    }

    /// A string, number or boolean as the text sent on the wire (`5`, not `5.0`); `nil` for anything else.
    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number, .bool: value.encoded()
        case .null, .array, .object: nil
        }
    }

    private static func upperCased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    private func wrongType(_ field: String, _ expected: String, _ value: JSONValue) -> FixtureError {
        failure(.wrongType, field, "expected \(expected), got \(ValueDescription.describe(value))")
    }

    private func failure(_ code: FixtureError.Code, _ field: String, _ message: String) -> FixtureError {
        FixtureError(code, file: file, caseIndex: index, caseName: caseName, field: field, message: message)
    }
}
