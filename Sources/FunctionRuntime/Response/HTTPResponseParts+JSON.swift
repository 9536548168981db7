import Hashing

/// A response as it went on the wire, written back in the platform's response shape (what
/// `fnhost invoke` prints): headers and multi-value headers, the body as text when it is UTF-8,
/// else base64.
extension HTTPResponseParts {
    public var platformJSON: String {
        var headers: JSONObject = [:]
        var multi: JSONObject = [:]
        for (name, value) in self.headers {
            headers[name] = .string(value)
            multi[name] = .array((multi[name]?.arrayValue ?? []) + [.string(value)])
        }
        let text = String(validating: body, as: UTF8.self)
        return JSONValue.object([
            "statusCode": .number(Double(status)),
            "headers": .object(headers),
            "multiValueHeaders": .object(multi),
            "body": .string(text ?? StandardBase64.encode(body)),
            "isBase64Encoded": .bool(text == nil),
        ]).encoded()
    }
}
