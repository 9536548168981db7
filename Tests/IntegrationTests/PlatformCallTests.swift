import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// Python functions calling each other by their public URL (https://functions.poehali.dev/<uuid>)
/// through the real stack: answered by the local function over TLS, a uuid not in the export
/// forwarded to `--platform-upstream`, and every other host's certificate still verified.
@Suite(.serialized) struct PlatformCallTests {
    /// A stack serving the two-function project, with `extraArguments` for serve.
    static func withStack(extraArguments: [String] = [], _ body: (HostStack) throws -> Void) throws {
        let project = try PythonCallerProject()
        defer { project.remove() }
        let stack = try HostStack(
            functions: project.functions.path, extraArguments: ["--python-envs", PythonStack.environments] + extraArguments,
            readyPath: "/callee")
        defer { stack.stop() }
        try body(stack)
    }

    /// The caller's answer (a JSON object) to `?mode=...`.
    static func call(_ stack: HostStack, _ query: String) throws -> JSONValue {
        let response = try stack.send("/caller?" + query, timeoutMilliseconds: 30_000)
        #expect(response.status == 200, "\(query): \(String(decoding: response.body, as: UTF8.self))\n\(stack.log())")
        return try #require(response.json, "\(query): \(String(decoding: response.body, as: UTF8.self))")
    }

    @Test func urllibAndHTTPClientCallsByThePublicURLReachTheLocalFunction() throws {
        try Self.withStack { stack in
            let viaURLLib = try Self.call(stack, "mode=urllib")
            #expect(viaURLLib["status"] == 200)
            #expect(viaURLLib["answer"]?["callee"] == "callee")
            #expect(viaURLLib["answer"]?["method"] == "GET")
            #expect(viaURLLib["answer"]?["query"]?["via"] == "urllib")
            #expect(viaURLLib["answer"]?["host"] == "functions.poehali.dev")

            let viaHTTPClient = try Self.call(stack, "mode=http.client")
            #expect(viaHTTPClient["status"] == 200)
            #expect(viaHTTPClient["answer"]?["callee"] == "callee")
            #expect(viaHTTPClient["answer"]?["method"] == "POST")
            #expect(viaHTTPClient["answer"]?["query"]?["via"] == "http.client")
            #expect(viaHTTPClient["answer"]?["body"] == #"{"n": 42}"#)

            // Both calls were invocations of the local callee, logged by this host (the log line
            // follows the response: poll until a deadline).
            var methods: Set<String> = []
            poll(within: 10, every: 0.05) {
                methods = Set(stack.logEvents("invocation").filter { $0["function"] == "callee" }.compactMap { $0["method"]?.stringValue })
                return methods.isSuperset(of: ["GET", "POST"])
            }
            #expect(methods.isSuperset(of: ["GET", "POST"]), "\(stack.log())")
        }
    }

    @Test func requestsCallsReachTheLocalFunctionToo() throws {
        try Self.withStack { stack in
            let viaRequests = try Self.call(stack, "mode=requests")
            #expect(viaRequests["status"] == 200)
            #expect(viaRequests["answer"]?["callee"] == "callee")
            #expect(viaRequests["answer"]?["body"] == #"{"n": 7}"#)
        }
    }

    @Test func aUUIDNotInTheExportIsForwardedToThePlatformUpstream() throws {
        let recorder = try RecordingHTTPServer()
        defer { recorder.stop() }
        try Self.withStack(extraArguments: ["--platform-upstream", recorder.baseURL]) { stack in
            let unknown = "0badc0de-0000-4000-8000-000000000001"
            let result = try Self.call(stack, "mode=forward&uuid=\(unknown)")
            #expect(result["status"] == 200)
            let body = try JSONValue.parse(try #require(result["body"]?.stringValue))
            #expect(body["forwardedTo"] == "recorder")
            #expect(body["path"]?.stringValue == "/\(unknown)?probe=1")
            let received = recorder.received
            #expect(received.count == 1)
            #expect(received.first?.method == "GET")
            #expect(received.first?.target == "/\(unknown)?probe=1")
            #expect(received.first?.host == "127.0.0.1:\(recorder.port)")
            // The export's own uuid never leaves the host.
            _ = try Self.call(stack, "mode=urllib")
            #expect(recorder.received.count == 1)
        }
    }

    @Test func anUpstreamWhoseCertificateDoesNotVerifyIsAJSON502() throws {
        let untrusted = try SelfSignedTLSServer()
        defer { untrusted.stop() }
        try Self.withStack(extraArguments: ["--platform-upstream", "https://127.0.0.1:\(untrusted.port)"]) { stack in
            let result = try Self.call(stack, "mode=forward&uuid=0badc0de-0000-4000-8000-000000000002")
            #expect(result["status"] == 502)
            let body = try JSONValue.parse(try #require(result["body"]?.stringValue))
            #expect(body["errorType"] == "PlatformUnreachable")
            #expect(body["errorMessage"]?.stringValue?.contains("not in the export") == true)
            #expect(stack.log().contains("upstream SSL certificate verify error"))
        }
    }

    @Test func otherHostsStillHaveTheirCertificatesVerified() throws {
        let untrusted = try SelfSignedTLSServer()
        defer { untrusted.stop() }
        try Self.withStack { stack in
            let result = try Self.call(stack, "mode=other-host&url=\(untrusted.url)")
            let verdict = try #require(result["verified"]?.stringValue)
            #expect(verdict.hasPrefix("refused: "), "\(verdict)")
            #expect(verdict.contains("CERTIFICATE_VERIFY_FAILED"), "\(verdict)")
            #expect(result["unverifiedStatus"] == 200, "the server itself answers: only its certificate is refused")
        }
    }

    @Test func platformPortZeroTurnsTheFeatureOff() throws {
        try Self.withStack(extraArguments: ["--platform-port", "0"]) { stack in
            #expect(!stack.log().contains("are served locally"))
            #expect(!FileManager.default.fileExists(atPath: stack.runDirectory.path + "/tls"))
            let nginx = (try? String(contentsOfFile: stack.runDirectory.path + "/nginx/conf/nginx.conf", encoding: .utf8)) ?? ""
            #expect(!nginx.contains("ssl_certificate"))
        }
    }
}
