import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// The example export (`examples/notes-export`: Python functions written the way poehali.dev's
/// are) served unchanged by the real stack with its migrations in a fresh schema: every function's
/// `tests.json` through nginx, and what fixtures cannot see (the log, crash counters, module state).
@Suite(.serialized) struct NotesExportTests {
    static let project = "examples/notes-export"

    func stack(admin: Bool = false, environment: [String: String] = [:]) throws -> PythonStack {
        try PythonStack(
            project: Self.project, readyPath: "/notes", extraArguments: admin ? [] : ["--admin-port", "0"], environment: environment)
    }

    @Test func everyFunctionsFixturesPassThroughNginx() throws {
        // The try-on worker calls Replicate: the stand-in, as `fnhost test --project` runs it.
        let standIn = try StandInProcess(delayMilliseconds: 150)
        defer { standIn.stop() }
        let stack = try stack(environment: ["REPLICATE_API_TOKEN": "r8_standin_test", "REPLICATE_BASE_URL": standIn.baseURL])
        defer { stack.stop() }
        let output = try CommandRun.testHost(["test", "--functions", stack.backend.path, "--url", stack.host.baseURL])
        let summary = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed"), "\(output)")
        #expect(!summary.hasPrefix("0 passed"))
    }

    @Test func printAndLoggingBecomeLogLinesTaggedWithTheRequest() throws {
        let stack = try stack()
        defer { stack.stop() }
        let response = try stack.host.send("/chatty?x=1")
        #expect(response.status == 200)
        let requestId = try #require(response.header("X-Request-Id"))
        #expect(response.json?["requestId"] == .string(String(requestId.prefix(8))), "the answer is the handler's own")
        var lines: [JSONObject] = []
        #expect(poll(within: 5) {
            lines = stack.host.logEvents("function_output").filter { $0["requestId"] == .string(requestId) }
            return lines.count == 3
        })
        #expect(lines.allSatisfy { $0["function"] == "chatty" })
        #expect(lines.filter { $0["stream"] == "stdout" }.count == 2)
        #expect(lines.contains { $0["stream"] == "stderr" && $0["message"]?.stringValue?.contains("answering") == true })
    }

    @Test func crashesAndTimeoutsAreCountedAndTheFunctionsRecover() throws {
        let stack = try stack(admin: true)
        defer { stack.stop() }
        let exit = try stack.host.send("/crasher?how=exit")
        #expect(exit.status == 502)
        #expect(exit.json?["errorType"] == "ProcessCrashed")
        #expect(exit.json?["errorMessage"]?.stringValue?.contains("status 3") == true)
        let segv = try stack.host.send("/crasher?how=segv")
        #expect(segv.status == 502)
        #expect(segv.json?["errorMessage"]?.stringValue?.contains("signal 11") == true)
        let timeout = try stack.host.send("/slowpoke?seconds=5", timeoutMilliseconds: 20_000)
        #expect(timeout.status == 504)
        #expect(try stack.host.send("/slowpoke?seconds=0").status == 200)
        #expect(try stack.host.send("/crasher").status == 200)
        let functions = try #require(try stack.host.statusPage()["functions"])
        #expect(functions["crasher"]?["crashes"] == 2)
        #expect(functions["slowpoke"]?["timeouts"] == 1)
        #expect(functions["crasher"]?["language"] == "python")
    }

    @Test func moduleStateLivesAsLongAsTheWorkerProcess() throws {
        let stack = try stack()
        defer { stack.stop() }
        let first = try #require(try stack.host.send("/counter").json)
        let second = try #require(try stack.host.send("/counter").json)
        #expect(first["pid"] == second["pid"])
        let calls = try #require(first["calls"]?.numberValue)
        #expect(second["calls"]?.numberValue == calls + 1)
    }

    @Test func notesAreStoredThroughPsycopg2WithAConnectionPerRequest() throws {
        let stack = try stack()
        defer { stack.stop() }
        let json = [HTTPHeader(name: "Content-Type", value: "application/json"), HTTPHeader(name: "X-User-Id", value: "it-user")]
        let created = try stack.host.send("POST", "/notes", headers: json, body: Array(#"{"title":"Купить молоко","body":"2 л"}"#.utf8))
        #expect(created.status == 201, "\(created.text)")
        let listed = try stack.host.send("GET", "/notes?q=молоко".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "/notes", headers: json)
        #expect(listed.status == 200)
        #expect(listed.text.contains("Купить молоко"))
        let invalid = try stack.host.send("POST", "/notes", headers: json, body: Array(#"{"title": ""}"#.utf8))
        #expect(invalid.status == 400)
        #expect(invalid.json?["field"] == "title")
    }
}
