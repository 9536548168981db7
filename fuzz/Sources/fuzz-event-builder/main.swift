// Fuzz target: FastCGI parameters and body -> IncomingRequest -> Event, the worker's request path
// (WorkerMain: `IncomingRequest(cgiParameters:body:...)`, then `EventBuilder.build`; a timer trigger's
// body is decoded with `Event.decode(json:)`). Input format: see `CGIInput`.
//
// Besides "never traps", each input checks what the edge promises: only the 413 error, the body
// encoded as the content type says and decoding back to the same bytes, stripped and rewritten
// headers really gone, the gateway headers agreeing with the request context, single-value maps
// agreeing with the multi-value ones, and the event surviving a JSON round trip.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import FuzzSupport

enum Fixed {
    /// When every fuzzed request arrived; fixed, so runs are reproducible (2026-11-30T09:00:00Z).
    static let receivedAt: Int64 = 1_796_029_200_000
    /// The request headers the edge must remove (lower case), written out again rather than read
    /// from `EventBuilder`, so that a change there is caught.
    static let stripped: Set<String> = [
        "expect", "te", "trailer", "upgrade", "proxy-authenticate", "connection", "content-md5",
        "max-forwards", "server", "transfer-encoding", "www-authenticate",
    ]
}

/// ASCII-only lower casing: what header names compare by on the wire.
func asciiLower(_ text: String) -> String {
    String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
}

func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = CGIInput(FuzzDriver.bytes(data, size))
    let options = EdgeOptions(
        rewriteAuthorizationAndCookies: input.flags & 1 != 0, addGatewayHeaders: input.flags & 2 != 0,
        maxEventBytes: input.flags & 4 != 0 ? 4096 : 3_670_016)
    let request = IncomingRequest(cgiParameters: input.parameters, body: input.body, receivedAtMilliseconds: Fixed.receivedAt)
    Invariant.check(request.body == input.body, "the request lost body bytes")
    Invariant.check(request.method == request.method.uppercased(), "method \(request.method) is not upper case")

    if input.parameters.last(where: { $0.name == "FNHOST_TRIGGER" })?.value == "timer" {
        // The worker's timer path: the body is a trigger event; anything else is refused, not a trap.
        if let event = try? Event.decode(json: input.body), let text = try? event.jsonText() {
            let again = try? Event.decode(json: Array(text.utf8))
            Invariant.check(again == event, "a decoded timer event does not survive a JSON round trip: \(text)")
        }
    }

    let event: Event
    do {
        event = try EventBuilder(options: options).build(request, traceId: "fuzz-trace")
    } catch {
        Invariant.check(error.code == .payloadTooLarge, "build threw \(error.code), not payloadTooLarge: \(error)")
        Invariant.check(error.httpResponse.status == 413, "payloadTooLarge answers \(error.httpResponse.status)")
        Invariant.check(options.maxEventBytes == 4096, "a small input was refused as too large: \(error)")
        return 0
    }

    // Method and body.
    Invariant.check(event.httpMethod == request.method, "httpMethod \(event.httpMethod) != \(request.method)")
    // A JSON body goes in as text only when it is UTF-8; any other bytes go base64, unchanged.
    let isJSON = EventBuilder.isJSONMediaType(request.header("Content-Type"))
        && String(validating: input.body, as: UTF8.self) != nil
    Invariant.check(event.isBase64Encoded == !isJSON, "isBase64Encoded is \(event.isBase64Encoded) for UTF-8 JSON=\(isJSON)")
    if input.body.isEmpty {
        Invariant.check(event.body.isEmpty, "an empty body became \(event.body.debugDescription)")
    } else if isJSON {
        Invariant.check(
            event.body == String(decoding: input.body, as: UTF8.self), "a JSON body was not passed as its text")
    } else {
        Invariant.check(event.bodyBytes == input.body, "a base64 body does not decode to the bytes sent")
    }

    // Headers: each single value is the last of its multi values; stripped and rewritten names are gone.
    Invariant.check(
        Set(event.headers.keys) == Set(event.multiValueHeaders.keys), "headers and multiValueHeaders have other names")
    for (name, value) in event.headers {
        Invariant.check(event.multiValueHeaders[name]?.last == value, "headers[\(name)] is not its last value")
        let lower = asciiLower(name)
        Invariant.check(!Fixed.stripped.contains(lower), "header \(name) should have been stripped")
        if options.rewriteAuthorizationAndCookies {
            Invariant.check(lower != "authorization" && lower != "cookie", "header \(name) should have been rewritten")
        }
    }
    if !input.body.isEmpty {
        Invariant.check(
            event.headers.keys.contains { asciiLower($0) == "content-length" }, "a body without Content-Length")
    }
    if options.addGatewayHeaders {
        Invariant.check(event.headers["X-Request-Id"] == event.requestContext.requestId, "X-Request-Id disagrees")
        Invariant.check(event.headers["X-Real-Ip"] == event.requestContext.identity.sourceIp, "X-Real-Ip disagrees")
        Invariant.check(event.headers["X-Trace-Id"] == "fuzz-trace", "X-Trace-Id is not the trace id")
    }
    Invariant.check(UUIDText.isValid(event.requestContext.requestId), "requestId \(event.requestContext.requestId)")

    // Query maps.
    Invariant.check(
        Set(event.queryStringParameters.keys) == Set(event.multiValueQueryStringParameters.keys),
        "query maps have other names")
    for (name, value) in event.queryStringParameters {
        Invariant.check(event.multiValueQueryStringParameters[name]?.last == value, "query \(name) is not its last value")
    }

    // The event as JSON (what `generate-event` prints and a trigger body carries) reads back the same.
    do {
        let text = try event.jsonText()
        let again = try Event.decode(json: Array(text.utf8))
        Invariant.check(again == event, "the event does not survive a JSON round trip: \(text)")
    } catch {
        Invariant.fail("the event cannot be written or read back as JSON: \(error)")
    }
    return 0
}

exit(FuzzDriver.run(testOne))
