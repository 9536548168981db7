import Foundation
import Testing

@testable import FunctionRuntime

/// Error code -> HTTP status, `X-Function-Error` and JSON body (§5).
@Suite struct RuntimeErrorTests {
    static let table: [(RuntimeError.Code, Int, Bool, String)] = [
        (.handlerFailed, 502, true, "Error"),
        (.processCrashed, 502, true, "ProcessCrashed"),
        (.initializationFailed, 502, true, "InitializationError"),
        (.malformedResponse, 502, true, "ProxyIntegrationError"),
        (.responseTooLarge, 502, true, "ProxyIntegrationError"),
        (.timeout, 504, false, "Timeout"),
        (.payloadTooLarge, 413, false, "PayloadTooLarge"),
        (.functionNotFound, 404, false, "FunctionNotFound"),
        (.invalidPath, 400, false, "ProxyIntegrationError"),
        (.incompleteRequest, 400, false, "BadRequest"),
        (.throttled, 429, false, "TooManyRequests"),
        (.unavailable, 503, false, "ServiceUnavailable"),
    ]

    @Test(arguments: table)
    func everyCodeMapsToItsStatusHeaderAndBody(code: RuntimeError.Code, status: Int, functionError: Bool, type: String) throws {
        let error = RuntimeError(code, "something went wrong")
        #expect(error.httpStatus == status)
        #expect(error.isFunctionError == functionError)
        #expect(error.platformErrorType == type)

        let response = error.httpResponse
        #expect(response.status == status)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("X-Function-Error") == (functionError ? "true" : nil))
        #expect(response.headers.count == (functionError ? 2 : 1))
        #expect(response.body == Array(error.responseBody.utf8))

        let body = try jsonObject(error.responseBody)
        #expect(body["errorMessage"] == "something went wrong")
        #expect(body["errorType"] == .string(type))
        #expect(error.description == "\(code.rawValue): something went wrong")
    }

    @Test(arguments: [RuntimeError.Code.handlerFailed, .processCrashed, .initializationFailed])
    func thrownErrorsCarryAStackTraceAndNoPayload(code: RuntimeError.Code) throws {
        let body = try jsonObject(RuntimeError(code, "boom").responseBody)
        #expect(body["stackTrace"] == .array([]))
        #expect(body["payload"] == nil)
        #expect(Set(body.keys) == ["errorMessage", "errorType", "stackTrace"])
    }

    @Test func thrownErrorUsesItsTypeName() throws {
        let error = RuntimeError(.handlerFailed, "boom", errorType: "ValueError")
        #expect(error.platformErrorType == "ValueError")
        #expect(try jsonObject(error.responseBody)["errorType"] == "ValueError")
        let startup = RuntimeError(.initializationFailed, "no db", errorType: "ConnectionError")
        #expect(startup.platformErrorType == "ConnectionError")
        // The crash type does not take a custom name.
        #expect(RuntimeError(.processCrashed, "x", errorType: "Other").platformErrorType == "ProcessCrashed")
    }

    @Test func malformedResponseCarriesThePayload() throws {
        let error = RuntimeError(.malformedResponse, "Malformed serverless function response: not a valid json", payload: "oops")
        let body = try jsonObject(error.responseBody)
        #expect(
            body == [
                "errorMessage": "Malformed serverless function response: not a valid json",
                "errorType": "ProxyIntegrationError", "payload": "oops",
            ])
        let withoutPayload = try jsonObject(RuntimeError(.malformedResponse, "x").responseBody)
        #expect(withoutPayload["payload"] == "")
    }

    @Test func invalidPathCarriesTheErrorCode() throws {
        let error = RuntimeError(.invalidPath, "Invalid functionID: abc/def")
        #expect(error.responseBody.contains(#""errorCode":400"#))
        let body = try jsonObject(error.responseBody)
        #expect(
            body == [
                "errorCode": 400, "errorMessage": "Invalid functionID: abc/def", "errorType": "ProxyIntegrationError",
            ])
    }

    @Test(arguments: [RuntimeError.Code.timeout, .payloadTooLarge, .functionNotFound, .throttled, .unavailable, .responseTooLarge])
    func otherCodesHaveOnlyMessageAndType(code: RuntimeError.Code) throws {
        #expect(Set(try jsonObject(RuntimeError(code, "m", payload: "p").responseBody).keys) == ["errorMessage", "errorType"])
    }

    @Test func messagesWithQuotesAndNewlinesStayValidJSON() throws {
        let message = "line \"one\"\nline\ttwo \\ </script> Привет"
        let body = try jsonObject(RuntimeError(.handlerFailed, message).responseBody)
        #expect(body["errorMessage"] == .string(message))
    }

    @Test func invocationResultFromErrorCarriesTheResponseAndFailure() {
        let error = RuntimeError(.timeout, "Exceeded maximum function execution time before timeout")
        let result = InvocationResult(error: error, outcome: .timeout)
        #expect(result.outcome == .timeout)
        #expect(result.response == error.httpResponse)
        #expect(result.failure == "timeout: Exceeded maximum function execution time before timeout")
        #expect(InvocationResult(error: error).outcome == .error)
    }
}
