import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import PythonTooling
import Testing

/// Python functions through the real stack (nginx, the master, `fnhost-python` workers embedding
/// CPython), with the test project `Tests/Fixtures/python`: the platform's contract at the edges
/// (raw integration, the 3.5 MB response limit, import time within the timeout, the memory limit,
/// the interpreter's lock between invocations, dependencies), and hot reload.
@Suite(.serialized) struct PythonRuntimeTests {
    static let project = "Tests/Fixtures/python"

    /// The test project's stack; with `admin`, its status page too.
    func stack(_ extraArguments: [String] = [], admin: Bool = false) throws -> PythonStack {
        try PythonStack(
            project: Self.project, readyPath: "/echo",
            extraArguments: (admin ? [] : ["--admin-port", "0"]) + extraArguments)
    }

    @Test func theEventAndContextAreThePlatforms() throws {
        let stack = try stack()
        defer { stack.stop() }
        let response = try stack.host.send(
            "POST", "/echo?a=1&a=2", headers: [HTTPHeader(name: "Content-Type", value: "application/json"), HTTPHeader(name: "x-user-id", value: "u7")],
            body: Array(#"{"hello":"мир"}"#.utf8))
        #expect(response.status == 200)
        let seen = try #require(response.json)
        let event = try #require(seen["event"])
        #expect(event["httpMethod"] == "POST")
        #expect(event["body"] == #"{"hello":"мир"}"#)
        #expect(event["isBase64Encoded"] == false)
        #expect(event["headers"]?["X-User-Id"] == "u7")
        #expect(event["queryStringParameters"]?["a"] == "2")
        #expect(event["multiValueQueryStringParameters"]?["a"] == ["1", "2"])
        let requestId = try #require(response.header("X-Request-Id"))
        #expect(event["requestContext"]?["requestId"] == .string(requestId))
        let context = try #require(seen["context"])
        #expect(context["request_id"] == .string(requestId))
        #expect(context["aws_request_id"] == .string(requestId))
        #expect(context["function_name"] == "echo")
        #expect(context["function_version"] == "$LATEST")
        #expect(context["memory_limit_in_mb"] == 128)
        #expect(context["token"] == .null)
        let remaining = try #require(context["remaining_ms"]?.numberValue)
        #expect(remaining > 25_000 && remaining <= 30_000)
    }

    @Test func rawIntegrationPassesTheBodyAndAnswersWithTheResult() throws {
        let stack = try stack()
        defer { stack.stop() }
        let response = try stack.host.send(
            "POST", "/echo?integration=raw", headers: [HTTPHeader(name: "Content-Type", value: "text/plain")],
            body: Array(#"{"ping": [1, 2]}"#.utf8))
        #expect(response.status == 200)
        let answer = try #require(response.json)
        #expect(answer["raw_event"] == ["ping": [1, 2]])
        #expect(answer["context"]?["function_name"] == "echo")
    }

    /// The limit counts the response's JSON: a base64 body of 2.8 MB (3.73 MB of text) is refused,
    /// though its decoded bytes are under 3.5 MB.
    @Test func theResponseLimitIsOnItsJSON() throws {
        let stack = try stack()
        defer { stack.stop() }
        let fits = try stack.host.send("/big?bytes=2500000")
        #expect(fits.status == 200)
        #expect(fits.body.count == 2_500_000)
        let refused = try stack.host.send("/big?bytes=2800000")
        #expect(refused.status == 502)
        #expect(refused.json?["errorMessage"]?.stringValue?.contains("as JSON") == true)
        #expect(refused.header("X-Function-Error") == "true")
    }

    /// A fresh process imports index.py within its first invocation, so a slow import times out
    /// like the platform's (504) and the next process starts over.
    @Test func importTimeCountsAgainstTheFirstInvocationsTimeout() throws {
        let stack = try stack()
        defer { stack.stop() }
        let first = try stack.host.send("/slow-import", timeoutMilliseconds: 20_000)
        #expect(first.status == 504)
        #expect(first.json?["errorType"] == "Timeout")
    }

    /// The worker checks its resident size after its first invocation (and every 32nd): one that
    /// grew past `memory` (64 MB here) is replaced once its answer is sent.
    @Test func aProcessOverItsMemoryLimitIsReplacedAfterTheInvocation() throws {
        let stack = try stack(admin: true)
        defer { stack.stop() }
        let grown = try stack.host.send("/hog?mb=100")
        #expect(grown.status == 200)
        #expect(try poll(within: 10) { (try stack.host.statusPage()["functions"]?["hog"]?["recycled"]?.numberValue ?? 0) >= 1 })
        let after = try stack.host.send("/hog?mb=1")
        #expect(after.status == 200)
        #expect(after.text != grown.text, "a new process took over")
    }

    @Test func threadsStartedByAFunctionRunBetweenInvocations() throws {
        let stack = try stack()
        defer { stack.stop() }
        let first = Int(try stack.host.send("/threads").text) ?? -1
        var later = first
        #expect(try poll(within: 5) {
            later = Int(try stack.host.send("/threads").text) ?? -1
            return later > first + 5
        }, "the counting thread advanced from \(first) only to \(later)")
    }

    @Test func aFailedInstallIs502NamingTheRequirementAndLeavesTheRestRunning() throws {
        let stack = try stack()
        defer { stack.stop() }
        let response = try stack.host.send("/bad-deps")
        #expect(response.status == 502)
        #expect(response.header("X-Function-Error") == "true")
        #expect(response.json?["errorMessage"]?.stringValue?.contains("fnhost-no-such-package-xyz") == true)
        #expect(try stack.host.send("/echo").status == 200)
    }

    /// A save rolls the pool while requests keep coming: none fails, and the new code answers soon.
    @Test func hotReloadUnderLoadLosesNothing() throws {
        let stack = try stack()
        defer { stack.stop() }
        #expect(try stack.host.send("/versioned").text.hasPrefix("v1 "))
        let stopping = Holder<Bool>()
        let failures = Holder<[String]>()
        failures.set([])
        let seenV2 = Holder<Bool>()
        let base = stack.host.baseURL
        let lock = NSLock()
        let load = DispatchGroup()
        for _ in 0..<6 {
            load.enter()
            Thread.detachNewThread {
                defer { load.leave() }
                let client = try? HTTPClient()
                while stopping.value != true {
                    do {
                        guard let client else { return }
                        let response = try client.send(HTTPClientRequest(method: "GET", url: base + "/versioned", timeoutMilliseconds: 10_000))
                        let text = String(decoding: response.body, as: UTF8.self)
                        if response.status != 200 || !(text.hasPrefix("v1 ") || text.hasPrefix("v2 ")) {
                            lock.withLock { failures.set((failures.value ?? []) + ["\(response.status) \(text)"]) }
                        }
                        if text.hasPrefix("v2 ") { seenV2.set(true) }
                    } catch {
                        lock.withLock { failures.set((failures.value ?? []) + ["\(error)"]) }
                    }
                }
            }
        }
        defer {
            stopping.set(true)
            load.wait()
        }
        // Let the load run on the old code first.
        #expect(try poll(within: 5) { (stack.host.logEvents("invocation").count) > 50 })
        let source = try stack.read("versioned/index.py")
        try stack.write("versioned/index.py", source.replacingOccurrences(of: "VERSION = \"v1\"", with: "VERSION = \"v2\""))
        #expect(poll(within: 10) { seenV2.value == true })
        // And keep it going a little on the new code.
        let served = stack.host.logEvents("invocation").count
        #expect(try poll(within: 5) { stack.host.logEvents("invocation").count > served + 50 })
        stopping.set(true)
        load.wait()
        #expect(failures.value == [])
        #expect(try stack.host.send("/versioned").text.hasPrefix("v2 "))
        #expect(!stack.host.logEvents("function_reloaded").isEmpty)
    }

    /// An editor may save twice within one second, and a small edit keeps the file's size: the
    /// second save's code must still be the one served (no bytecode cache keyed by whole-second
    /// modification times and size may stand in for it).
    @Test func aSecondSaveOfTheSameSizeWithinTheSameSecondIsServed() throws {
        let stack = try stack()
        defer { stack.stop() }
        let path = stack.backend.appendingPathComponent("versioned/index.py").path
        let source = try stack.read("versioned/index.py")
        try stack.write("versioned/index.py", source.replacingOccurrences(of: "VERSION = \"v1\"", with: "VERSION = \"v2\""))
        #expect(try poll(within: 10) { try stack.host.send("/versioned").text.hasPrefix("v2 ") })
        let firstSave = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        // The second save, stamped with the first one's time: the same second, deterministically.
        let temporary = stack.backend.appendingPathComponent("versioned/.index.py.second")
        try Data(source.replacingOccurrences(of: "VERSION = \"v1\"", with: "VERSION = \"v3\"").utf8).write(to: temporary)
        try FileManager.default.setAttributes([.modificationDate: firstSave], ofItemAtPath: temporary.path)
        #expect(rename(temporary.path, path) == 0)
        #expect(try poll(within: 10) { try stack.host.send("/versioned").text.hasPrefix("v3 ") })
    }

    @Test func aSyntaxErrorIs502NamingFileAndLineUntilTheNextSave() throws {
        let stack = try stack()
        defer { stack.stop() }
        try stack.write("versioned/index.py", "def handler(event, context)\n    return {}\n")
        var broken = try stack.host.send("/versioned")
        #expect(try poll(within: 10) {
            broken = try stack.host.send("/versioned")
            return broken.status == 502
        })
        let message = broken.json?["errorMessage"]?.stringValue ?? ""
        #expect(broken.json?["errorType"] == "SyntaxError")
        #expect(message.contains("index.py") && message.contains("line 1"), "\(message)")
        #expect(broken.header("X-Function-Error") == "true")
        #expect(try stack.host.send("/echo").status == 200, "other functions are unaffected")
        try stack.write("versioned/index.py", "def handler(event, context):\n    return {'statusCode': 200, 'body': 'fixed'}\n")
        #expect(try poll(within: 10) { try stack.host.send("/versioned").text == "fixed" })
    }

    @Test func aChangedRequirementsFileBuildsItsEnvironmentThenRolls() throws {
        let stack = try stack()
        defer { stack.stop() }
        #expect(try stack.host.send("/uses-six").text == "no")
        // An option line of its own makes this a set no earlier run has built (environments are shared
        // by content), so the build really happens.
        let unique = UUID().uuidString.prefix(8).lowercased()
        try stack.write("uses-six/requirements.txt", "--trusted-host fnhost-test-\(unique).invalid\nsix==1.16.0\n")
        let store = PythonEnvironmentStore(root: PythonStack.environments)
        let key = store.key(functionFolder: stack.backend.appendingPathComponent("uses-six").path)
        defer { try? FileManager.default.removeItem(atPath: store.path(key: key)) }  // a one-off set
        #expect(try poll(within: 180, every: 0.2) { try stack.host.send("/uses-six").text == "yes" })
        #expect(stack.host.logEvents("prepared").count >= 1)
    }

    /// SIGHUP re-reads func2url.json: a function added answers, a removed one is gone.
    @Test func sighupAddsAndRemovesFunctions() throws {
        let stack = try stack(["--no-watch"])
        defer { stack.stop() }
        var map = try #require(try JSONValue.parse(stack.read("func2url.json")).objectValue)
        map["threads"] = nil
        map["echo-two"] = .string("https://functions.poehali.dev/9e6b2c0d-7f41-4a85-b3d9-1c0e8a7f5b24")
        try FileManager.default.copyItem(
            at: stack.backend.appendingPathComponent("echo"), to: stack.backend.appendingPathComponent("echo-two"))
        try stack.write("func2url.json", JSONValue.object(map).encoded())
        #expect(try stack.host.send("/threads").status == 200, "--no-watch: nothing changes before SIGHUP")
        stack.host.signal(SIGHUP)
        #expect(try poll(within: 10) { try stack.host.send("/echo-two").status == 200 })
        // The uuid route is in nginx's new configuration: its workers take it up a moment later.
        #expect(try poll(within: 10) { try stack.host.send("/9e6b2c0d-7f41-4a85-b3d9-1c0e8a7f5b24").status == 200 })
        #expect(try poll(within: 10) { try stack.host.send("/threads").status == 404 })
        #expect(try stack.host.send("/echo").status == 200)
    }
}
