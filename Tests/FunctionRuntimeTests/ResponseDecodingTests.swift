import Foundation
import Testing

@testable import FunctionRuntime

func decodeResult(_ text: String) -> Result<Response, RuntimeError> {
    do throws(RuntimeError) {
        return .success(try Response.decode(rawJSON: text))
    } catch {
        return .failure(error)
    }
}

func decodeError(_ text: String) -> RuntimeError? {
    if case .failure(let error) = decodeResult(text) { return error }
    return nil
}

/// `Response.decode(rawJSON:)`: handler results given as JSON text (§4, §5).
@Suite struct ResponseDecodingTests {
    @Test(arguments: ["", "not json", "{", #"{"statusCode": 200"#, "undefined", "{'a': 1}", "<html></html>"])
    func notJSONIsAProxyIntegrationErrorWithThePayload(text: String) throws {
        let error = try #require(decodeError(text))
        #expect(error.code == .malformedResponse)
        #expect(error.message == "Malformed serverless function response: not a valid json")
        #expect(error.payload == text)
        #expect(error.platformErrorType == "ProxyIntegrationError")
        #expect(error.httpStatus == 502)
        let body = try jsonObject(error.responseBody)
        #expect(body["errorMessage"] == .string("Malformed serverless function response: not a valid json"))
        #expect(body["errorType"] == "ProxyIntegrationError")
        #expect(body["payload"] == .string(text))
        #expect(error.httpResponse.header("X-Function-Error") == "true")
    }

    @Test(arguments: ["[1, 2]", "[]", #""just a string""#, "42", "null", "true"])
    func nonObjectTopLevelIsMalformed(text: String) throws {
        let error = try #require(decodeError(text))
        #expect(error.code == .malformedResponse)
        #expect(error.message.hasPrefix("Malformed serverless function response: "))
        #expect(error.payload == text)
    }

    @Test(arguments: [#"{"body": {"a": 1}}"#, #"{"body": 5}"#, #"{"body": true}"#, #"{"body": ["a"]}"#])
    func bodyThatIsNotAStringIsMalformed(text: String) throws {
        let error = try #require(decodeError(text))
        #expect(error.code == .malformedResponse)
        #expect(error.message.contains("body"))
        #expect(error.payload == text)
    }

    @Test(arguments: [
        (#"{}"#, 200), (#"{"statusCode": null}"#, 200), (#"{"statusCode": 201}"#, 201),
        (#"{"statusCode": 302.0}"#, 302), (#"{"body": "x"}"#, 200),
    ])
    func statusCodeDefaultsTo200(text: String, status: Int) throws {
        #expect(try decodeResult(text).get().statusCode == status)
    }

    @Test(arguments: [#"{"statusCode": "200"}"#, #"{"statusCode": 200.5}"#, #"{"statusCode": true}"#, #"{"statusCode": {}}"#])
    func nonIntegerStatusCodeIsMalformed(text: String) throws {
        let error = try #require(decodeError(text))
        #expect(error.code == .malformedResponse)
        #expect(error.message.contains("statusCode"))
    }

    @Test func numbersAndBooleansAsHeaderValuesAreStringified() throws {
        let response = try decodeResult(
            #"{"headers": {"X-Count": 5, "X-Ratio": 1.5, "X-Flag": true, "X-Off": false, "X-One": 1, "X-Zero": 0, "X-Neg": -3}}"#
        ).get()
        #expect(
            response.headers == [
                "X-Count": "5", "X-Ratio": "1.5", "X-Flag": "true", "X-Off": "false", "X-One": "1", "X-Zero": "0",
                "X-Neg": "-3",
            ])
    }

    @Test func multiValueHeadersAcceptStringsNumbersAndBooleans() throws {
        let response = try decodeResult(#"{"multiValueHeaders": {"X-A": ["1", 2, false], "X-B": []}}"#).get()
        #expect(response.multiValueHeaders == ["X-A": ["1", "2", "false"], "X-B": []])
    }

    @Test(arguments: [
        #"{"headers": {"X-A": {"b": 1}}}"#, #"{"headers": {"X-A": null}}"#, #"{"headers": {"X-A": ["1"]}}"#,
        #"{"headers": []}"#, #"{"headers": "X-A: 1"}"#, #"{"multiValueHeaders": {"X-A": "1"}}"#,
        #"{"multiValueHeaders": {"X-A": [{"b": 1}]}}"#, #"{"multiValueHeaders": []}"#,
        #"{"isBase64Encoded": "true"}"#, #"{"isBase64Encoded": 1}"#,
    ])
    func wrongTypesAreMalformed(text: String) throws {
        let error = try #require(decodeError(text))
        #expect(error.code == .malformedResponse)
        #expect(error.payload == text)
    }

    @Test func fullResponseDecodes() throws {
        let text = #"""
            {
              "statusCode": 202,
              "headers": { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "X-Set-Cookie": "old=1" },
              "multiValueHeaders": { "X-Set-Cookie": ["sid=abc; Path=/; HttpOnly; Secure; SameSite=None", "theme=dark; Path=/"] },
              "body": "{\"taskId\":\"t_01\",\"status\":\"pending\"}",
              "isBase64Encoded": false,
              "somethingElse": [1, 2, 3]
            }
            """#
        let response = try decodeResult(text).get()
        #expect(
            response
                == Response(
                    statusCode: 202,
                    headers: [
                        "Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "X-Set-Cookie": "old=1",
                    ],
                    multiValueHeaders: [
                        "X-Set-Cookie": ["sid=abc; Path=/; HttpOnly; Secure; SameSite=None", "theme=dark; Path=/"]
                    ],
                    body: #"{"taskId":"t_01","status":"pending"}"#, isBase64Encoded: false))
    }

    @Test func nullBodyAndFlagsGetDefaults() throws {
        let response = try decodeResult(
            #"{"body": null, "isBase64Encoded": null, "headers": null, "multiValueHeaders": null}"#
        ).get()
        #expect(response == Response())
    }

    @Test func base64FlagIsRead() throws {
        let response = try decodeResult(#"{"body": "aGk=", "isBase64Encoded": true}"#).get()
        #expect(response.isBase64Encoded)
        #expect(response.body == "aGk=")
    }

    /// A header value too large for Int64 (1e300 is integral) must not trap the process. Run in a
    /// child process so that a trap fails this test instead of killing the test run.
    @Test func hugeNumericHeaderValueDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            _ = try? Response.decode(rawJSON: #"{"headers": {"X-Big": 1e300}, "multiValueHeaders": {"X-M": [-1e20]}}"#)
        }
    }
}
