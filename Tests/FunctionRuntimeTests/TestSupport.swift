import Foundation
import Testing

@testable import FunctionRuntime

/// 2025-01-01T12:00:00Z, the spec's example time.
let exampleEpochSeconds = 1_735_732_800
let exampleRequestId = "9b2f6a8e-3c1d-4f7a-8e52-0d6c4b1a7f30"
let exampleTraceId = "5e0c1b7a-2d94-4c3e-9f18-6a7b8c9d0e1f"

/// A request with the spec's example client (203.0.113.7:51544) and time, unless told otherwise.
func makeRequest(
    method: String = "GET", query: String = "", headers: [(name: String, value: String)] = [], body: [UInt8] = [],
    remoteAddress: String = "203.0.113.7", remotePort: Int = 51544,
    receivedAtMilliseconds: Int64 = Int64(exampleEpochSeconds) * 1000, requestId: String = exampleRequestId
) -> IncomingRequest {
    IncomingRequest(
        method: method, query: query, headers: headers, body: body, remoteAddress: remoteAddress,
        remotePort: remotePort, receivedAtMilliseconds: receivedAtMilliseconds, requestId: requestId)
}

/// Builds an event with the given edge options and the fixed trace id.
func buildEvent(_ request: IncomingRequest, options: EdgeOptions = .platform) throws -> Event {
    try EventBuilder(options: options).build(request, traceId: exampleTraceId)
}

/// Compact JSON text of an encodable value, keys sorted.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Parses text that must be a JSON object.
func jsonObject(_ text: String) throws -> JSONObject {
    let value = try JSONValue.parse(text)
    return try #require(value.objectValue, "not a JSON object: \(text)")
}

/// The error a throwing-typed call throws, or nil.
func runtimeError<T>(_ body: () throws -> T) -> RuntimeError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? RuntimeError
    }
}

/// Header lines as comparable pairs.
func pairs(_ lines: [(String, String)]) -> [[String]] {
    lines.map { [$0.0, $0.1] }
}
