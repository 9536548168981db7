// Fuzz target: a function's return value -> the HTTP response the client gets. The input is the JSON a
// raw-JSON handler (or an `invoke` fixture) returns; it goes through `Response.decode(rawJSON:)`, the
// check that it is a response object at all, then `ResponseMapper.map`, the platform's contract
// (status range, header rules, base64 bodies), under two edge settings: the platform's, and one with
// the cookie rewrite off and `Domain=` dropping on; then the whole path of a language runtime's result
// through `FunctionInvoker` (a `JSONFunction` returning the input), with a 64-byte response limit.
//
// Invariants beyond "never traps": every failure is a 502 of the documented kinds; a mapped status is
// the handler's and within 100...599; every header sent is a valid name with a value free of CR, LF
// and NUL, and none the edge removes or refuses; the body is the handler's (decoded when base64); and
// a result answered 200-599 by the invoker was within the limit as JSON (the limit counts the JSON).
#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import FuzzSupport

enum Fixed {
    /// The edge settings each input is mapped under.
    static let settings: [EdgeOptions] = [
        .platform,
        EdgeOptions(rewriteAuthorizationAndCookies: false, dropCookieDomain: true),
        EdgeOptions(dropCookieDomain: true),
    ]
    /// Response headers the edge drops or refuses (lower case), written out again rather than read from
    /// `ResponseMapper`, so that a change there is caught.
    static let neverSent: Set<String> = [
        "host", "authorization", "user-agent", "connection", "max-forwards", "cookie", "status", "content-length",
        "proxy-authenticate", "transfer-encoding", "via", "content-md5", "date", "server", "www-authenticate",
    ]
    static let tokenPunctuation = Array("!#$%&'*+-.^_`|~".utf8)
}

func asciiLower(_ text: String) -> String {
    String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
}

func isToken(_ name: String) -> Bool {
    !name.isEmpty
        && name.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || Fixed.tokenPunctuation.contains(byte)
        }
}

func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: FuzzDriver.bytes(data, size), as: UTF8.self)
    let response: Response
    do {
        response = try Response.decode(rawJSON: text)
    } catch {
        Invariant.check(error.code == .malformedResponse, "decode threw \(error.code): \(error)")
        Invariant.check(error.httpResponse.status == 502, "a malformed response answers \(error.httpResponse.status)")
        return 0
    }
    for options in Fixed.settings {
        let parts: HTTPResponseParts
        do {
            parts = try ResponseMapper(options: options).map(response)
        } catch {
            Invariant.check(
                error.code == .malformedResponse || error.code == .responseTooLarge,
                "map threw \(error.code): \(error)")
            Invariant.check(error.httpResponse.status == 502, "a refused response answers \(error.httpResponse.status)")
            Invariant.check(!error.message.isEmpty, "an error without a message")
            continue
        }
        Invariant.check((100...599).contains(parts.status), "status \(parts.status) sent")
        Invariant.check(parts.status == response.statusCode, "status \(parts.status) is not the handler's")
        Invariant.check(!HTTPStatus.reason(parts.status).isEmpty, "no reason phrase for \(parts.status)")
        for (name, value) in parts.headers {
            Invariant.check(isToken(name), "header name \(name.debugDescription) sent")
            Invariant.check(
                !value.utf8.contains { $0 == 10 || $0 == 13 || $0 == 0 }, "header \(name) sent with CR, LF or NUL")
            let lower = asciiLower(name)
            Invariant.check(!Fixed.neverSent.contains(lower), "header \(name) sent")
            Invariant.check(!lower.hasPrefix("x-accel-"), "header \(name) sent")
            if options.rewriteAuthorizationAndCookies {
                Invariant.check(lower != "x-set-cookie", "X-Set-Cookie sent unrewritten")
            }
        }
        if !response.isBase64Encoded {
            Invariant.check(parts.body == Array(response.body.utf8), "a text body changed")
        }
    }
    checkInvoker(text)
    return 0
}

/// Returns the fuzz input as a handler's result.
struct EchoResult: JSONFunction {
    let result: [UInt8]
    mutating func invoke(event: [UInt8], integration: Integration, context: Context) throws(RuntimeError) -> [UInt8] {
        result
    }
}

/// The limit is on the result's JSON: anything the invoker answers as the handler's own was small enough.
func checkInvoker(_ text: String) {
    let result = Array(text.utf8)
    let edge = EdgeOptions(maxResponseBytes: 64)
    var invoker = FunctionInvoker(
        spec: FunctionSpec(name: "fuzz", uuid: "00000000-0000-4000-8000-000000000000", url: "https://functions.poehali.dev/00000000-0000-4000-8000-000000000000"),
        jsonFactory: { EchoResult(result: result) }, edge: edge)
    let request = IncomingRequest(method: "GET", receivedAtMilliseconds: 0)
    let outcome = invoker.invoke(request, deadlineMilliseconds: 0)
    if outcome.outcome == .ok {
        Invariant.check(result.count <= edge.maxResponseBytes, "a result of \(result.count) bytes answered under a 64-byte limit")
    } else {
        Invariant.check(outcome.response.status == 502, "a refused result answers \(outcome.response.status)")
    }
}

exit(FuzzDriver.run(testOne))
