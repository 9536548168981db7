#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Events are encoded with every field (the platform's shape) and decoded leniently: an event file
/// written by hand, or captured from another emulator, may leave out any field and gets the value
/// the platform would have sent for an empty request.
extension Event: Codable {
    enum CodingKeys: String, CodingKey {
        case httpMethod, headers, multiValueHeaders, queryStringParameters, multiValueQueryStringParameters
        case requestContext, body, isBase64Encoded, url, path, params, multiValueParams, pathParams, messages
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let messages = try container.decodeIfPresent([TriggerMessage].self, forKey: .messages) {
            let first = messages.first
            self = Event.timer(
                triggerId: first?.details.triggerId ?? "", payload: first?.details.payload ?? "", epochMilliseconds: 0,
                eventId: first?.eventMetadata.eventId ?? TraceID.make())
            self.messages = messages
            return
        }
        let method = try container.decodeIfPresent(String.self, forKey: .httpMethod)?.uppercased() ?? "GET"
        let context =
            try container.decodeIfPresent(RequestContext.self, forKey: .requestContext)
            ?? RequestContext(
                identity: .init(sourceIp: "127.0.0.1", userAgent: ""), httpMethod: method,
                requestId: RequestID.make(), requestTime: RequestTime.commonLogFormat(epochSeconds: 0),
                requestTimeEpoch: 0)
        self.init(
            httpMethod: method,
            headers: try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:],
            multiValueHeaders: try container.decodeIfPresent([String: [String]].self, forKey: .multiValueHeaders) ?? [:],
            queryStringParameters: try container.decodeIfPresent([String: String].self, forKey: .queryStringParameters)
                ?? [:],
            multiValueQueryStringParameters: try container.decodeIfPresent(
                [String: [String]].self, forKey: .multiValueQueryStringParameters) ?? [:],
            requestContext: context,
            body: try container.decodeIfPresent(String.self, forKey: .body) ?? "",
            isBase64Encoded: try container.decodeIfPresent(Bool.self, forKey: .isBase64Encoded) ?? false
        )
        url = try container.decodeIfPresent(String.self, forKey: .url) ?? ""
        path = try container.decodeIfPresent(String.self, forKey: .path) ?? ""
        params = try container.decodeIfPresent([String: String].self, forKey: .params) ?? [:]
        multiValueParams = try container.decodeIfPresent([String: [String]].self, forKey: .multiValueParams) ?? [:]
        pathParams = try container.decodeIfPresent([String: String].self, forKey: .pathParams) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let messages {
            try container.encode(messages, forKey: .messages)
            return
        }
        try container.encode(httpMethod, forKey: .httpMethod)
        try container.encode(headers, forKey: .headers)
        try container.encode(multiValueHeaders, forKey: .multiValueHeaders)
        try container.encode(queryStringParameters, forKey: .queryStringParameters)
        try container.encode(multiValueQueryStringParameters, forKey: .multiValueQueryStringParameters)
        try container.encode(requestContext, forKey: .requestContext)
        try container.encode(body, forKey: .body)
        try container.encode(isBase64Encoded, forKey: .isBase64Encoded)
        try container.encode(url, forKey: .url)
        try container.encode(path, forKey: .path)
        try container.encode(params, forKey: .params)
        try container.encode(multiValueParams, forKey: .multiValueParams)
        try container.encode(pathParams, forKey: .pathParams)
    }

    /// Compact JSON (a trigger invocation's body).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Pretty JSON with sorted keys inside maps: what `fnhost generate-event` prints.
    public func prettyJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension Event {
    /// The event in a file (`-`: standard input), as `fnhost invoke --event` takes it. Throws a
    /// message naming the file when it cannot be read or is not an event object.
    public static func read(file: String) throws(ConfigurationError) -> Event {
        let bytes = file == "-" ? FileBytes.readStandardInput() : FileBytes.read(file)
        guard let bytes else { throw ConfigurationError(file: file, "cannot be read") }
        do {
            return try Event.decode(json: bytes)
        } catch {
            throw ConfigurationError(file: file, "is not an event JSON object: \(error)")
        }
    }
}

extension Event {
    /// Decodes an event from JSON (missing fields get the platform's values for an empty request).
    public static func decode(json bytes: [UInt8]) throws -> Event {
        try JSONDecoder().decode(Event.self, from: Data(bytes))
    }
}
