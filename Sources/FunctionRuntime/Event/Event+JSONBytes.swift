/// The event as compact JSON bytes, written directly into a buffer: what a `JSONFunction` receives
/// on every invocation, so it avoids `JSONEncoder` (several times the cost of the rest of the
/// request path). The members and their order are the platform's.
extension Event {
    public func jsonBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(768 + body.utf8.count + 64 * headers.count)
        if let messages {
            output.append(contentsOf: #"{"messages":["#.utf8)
            for (index, message) in messages.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: #"{"event_metadata":{"event_id":"#.utf8)
                JSONText.appendQuoted(message.eventMetadata.eventId, to: &output)
                output.append(contentsOf: #","event_type":"#.utf8)
                JSONText.appendQuoted(message.eventMetadata.eventType, to: &output)
                output.append(contentsOf: #","created_at":"#.utf8)
                JSONText.appendQuoted(message.eventMetadata.createdAt, to: &output)
                output.append(contentsOf: #","cloud_id":"#.utf8)
                JSONText.appendQuoted(message.eventMetadata.cloudId, to: &output)
                output.append(contentsOf: #","folder_id":"#.utf8)
                JSONText.appendQuoted(message.eventMetadata.folderId, to: &output)
                output.append(contentsOf: #"},"details":{"trigger_id":"#.utf8)
                JSONText.appendQuoted(message.details.triggerId, to: &output)
                output.append(contentsOf: #","payload":"#.utf8)
                JSONText.appendQuoted(message.details.payload, to: &output)
                output.append(contentsOf: "}}".utf8)
            }
            output.append(contentsOf: "]}".utf8)
            return output
        }
        output.append(contentsOf: #"{"httpMethod":"#.utf8)
        JSONText.appendQuoted(httpMethod, to: &output)
        output.append(contentsOf: #","headers":"#.utf8)
        Self.append(headers, to: &output)
        output.append(contentsOf: #","multiValueHeaders":"#.utf8)
        Self.append(multiValueHeaders, to: &output)
        output.append(contentsOf: #","queryStringParameters":"#.utf8)
        Self.append(queryStringParameters, to: &output)
        output.append(contentsOf: #","multiValueQueryStringParameters":"#.utf8)
        Self.append(multiValueQueryStringParameters, to: &output)
        output.append(contentsOf: #","requestContext":{"identity":{"sourceIp":"#.utf8)
        JSONText.appendQuoted(requestContext.identity.sourceIp, to: &output)
        output.append(contentsOf: #","userAgent":"#.utf8)
        JSONText.appendQuoted(requestContext.identity.userAgent, to: &output)
        output.append(contentsOf: #"},"httpMethod":"#.utf8)
        JSONText.appendQuoted(requestContext.httpMethod, to: &output)
        output.append(contentsOf: #","requestId":"#.utf8)
        JSONText.appendQuoted(requestContext.requestId, to: &output)
        output.append(contentsOf: #","requestTime":"#.utf8)
        JSONText.appendQuoted(requestContext.requestTime, to: &output)
        output.append(contentsOf: #","requestTimeEpoch":"#.utf8)
        JSONText.appendDecimal(requestContext.requestTimeEpoch, to: &output)
        output.append(contentsOf: #"},"body":"#.utf8)
        JSONText.appendQuoted(body, to: &output)
        output.append(contentsOf: #","isBase64Encoded":"#.utf8)
        output.append(contentsOf: (isBase64Encoded ? "true" : "false").utf8)
        output.append(contentsOf: #","url":"#.utf8)
        JSONText.appendQuoted(url, to: &output)
        output.append(contentsOf: #","path":"#.utf8)
        JSONText.appendQuoted(path, to: &output)
        output.append(contentsOf: #","params":"#.utf8)
        Self.append(params, to: &output)
        output.append(contentsOf: #","multiValueParams":"#.utf8)
        Self.append(multiValueParams, to: &output)
        output.append(contentsOf: #","pathParams":"#.utf8)
        Self.append(pathParams, to: &output)
        output.append(UInt8(ascii: "}"))
        return output
    }

    private static func append(_ map: [String: String], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in map {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendQuoted(key, to: &output)
            output.append(UInt8(ascii: ":"))
            JSONText.appendQuoted(value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    private static func append(_ map: [String: [String]], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        var first = true
        for (key, values) in map {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendQuoted(key, to: &output)
            output.append(contentsOf: ":[".utf8)
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(value, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        output.append(UInt8(ascii: "}"))
    }
}
