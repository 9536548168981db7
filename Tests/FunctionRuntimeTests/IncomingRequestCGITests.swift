import Testing

@testable import FunctionRuntime

/// `IncomingRequest(cgiParameters:...)`: the worker's reading of nginx's FastCGI parameters.
@Suite struct IncomingRequestCGITests {
    @Test func theParametersNginxSendsBecomeTheRequest() {
        let request = IncomingRequest(
            cgiParameters: [
                ("REQUEST_METHOD", "post"), ("QUERY_STRING", "a=1&b=2"), ("REMOTE_ADDR", "10.1.2.3"),
                ("REMOTE_PORT", "51432"), ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "2"),
                ("FNHOST_REQUEST_ID", "3F2A9C1E5B7D4E8FA1B2C3D4E5F60718"), ("HTTP_X_USER_ID", "7"),
                ("SCRIPT_NAME", "/fn"), ("HTTP_", "not a header"),
            ],
            body: Array("{}".utf8), receivedAtMilliseconds: 1_000)
        #expect(request.method == "POST")
        #expect(request.query == "a=1&b=2")
        #expect(request.remoteAddress == "10.1.2.3")
        #expect(request.remotePort == 51432)
        #expect(request.requestId == "3f2a9c1e-5b7d-4e8f-a1b2-c3d4e5f60718")
        #expect(request.headers.map(\.name) == ["Content-Type", "Content-Length", "X-User-Id"])
        #expect(request.headers.map(\.value) == ["application/json", "2", "7"])
        #expect(request.body == Array("{}".utf8))
        #expect(request.receivedAtMilliseconds == 1_000)
    }

    @Test func missingOrUnusableParametersTakeDefaults() {
        let request = IncomingRequest(
            cgiParameters: [
                ("REMOTE_PORT", "not a port"), ("CONTENT_TYPE", ""), ("CONTENT_LENGTH", "0"),
                ("FNHOST_REQUEST_ID", "not-an-id"), ("=", "="), ("", ""),
            ],
            body: [], receivedAtMilliseconds: 0)
        #expect(request.method == "GET")
        #expect(request.query == "")
        #expect(request.remoteAddress == "127.0.0.1")
        #expect(request.remotePort == 0)
        #expect(request.headers.isEmpty)
        // An id nginx did not make is replaced by a fresh one.
        #expect(request.requestId != "not-an-id")
        #expect(UUIDText.isValid(request.requestId))
    }

    @Test func repeatedParametersKeepEveryHeaderAndTheLastScalar() {
        let request = IncomingRequest(
            cgiParameters: [
                ("REQUEST_METHOD", "GET"), ("REQUEST_METHOD", "delete"), ("HTTP_X_A", "1"), ("HTTP_X_A", "2"),
            ],
            body: [], receivedAtMilliseconds: 0)
        #expect(request.method == "DELETE")
        #expect(request.headers.map(\.value) == ["1", "2"])
    }
}
