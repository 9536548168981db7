/// Decoding a handler result given as JSON text (a raw-JSON function, an `invoke` fixture), with the
/// platform's `ProxyIntegrationError` for anything that is not a valid response object.
extension Response {
    public static func decode(rawJSON text: String) throws(RuntimeError) -> Response {
        func malformed(_ reason: String) -> RuntimeError {
            RuntimeError(
                .malformedResponse, "Malformed serverless function response: \(reason)", payload: text)
        }
        guard let value = try? JSONValue.parse(text) else { throw malformed("not a valid json") }
        guard case .object(let members) = value else { throw malformed("not a json object") }

        var response = Response()
        switch members["statusCode"] {
        case nil, .null?: break
        case .number(let number)?:
            guard number.rounded() == number, let status = Int(exactly: number) else {
                throw malformed("statusCode is not an integer")
            }
            response.statusCode = status
        default: throw malformed("statusCode is not an integer")
        }
        switch members["body"] {
        case nil, .null?: break
        case .string(let body)?: response.body = body
        default: throw malformed("body is not a string")
        }
        switch members["isBase64Encoded"] {
        case nil, .null?: break
        case .bool(let flag)?: response.isBase64Encoded = flag
        default: throw malformed("isBase64Encoded is not a boolean")
        }
        switch members["headers"] {
        case nil, .null?: break
        case .object(let headers)?:
            for (name, value) in headers {
                guard let text = Self.headerText(value) else { throw malformed("header \(name) is not a string") }
                response.headers[name] = text
            }
        default: throw malformed("headers is not an object")
        }
        switch members["multiValueHeaders"] {
        case nil, .null?: break
        case .object(let headers)?:
            for (name, value) in headers {
                guard case .array(let values) = value else {
                    throw malformed("multiValueHeaders.\(name) is not an array")
                }
                var texts: [String] = []
                for item in values {
                    guard let text = Self.headerText(item) else {
                        throw malformed("multiValueHeaders.\(name) has a value that is not a string")
                    }
                    texts.append(text)
                }
                response.multiValueHeaders[name] = texts
            }
        default: throw malformed("multiValueHeaders is not an object")
        }
        return response
    }

    /// Header values may be strings, numbers or booleans (the platform's runtimes stringify them).
    private static func headerText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): Int64(exactly: number).map { String($0) } ?? String(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }
}
