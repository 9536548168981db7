import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// The hostile-input corpus (`HostileCorpus`) through the real stack: nginx, the host, the three
/// try-on functions on a PostgreSQL schema of their own, the Replicate stand-in, with
/// `WORKER_TOKEN` configured. Every request must get a 4xx JSON error naming what is wrong (the
/// worker's right-token requests: never a 5xx); afterwards no worker process may have crashed or
/// been replaced, and `replicate_tasks` must be exactly as it was (row count and checksum).
///
/// With `HOSTILE_SUMMARY=<path>` the counts are also written there as JSON, for `make chaos`:
/// per function, inputs tried, answers by status and by category, 5xx count, crashes, and whether
/// the database changed.
@Suite(.serialized) struct HostileCorpusTests {
    static let owner = "hostile-owner"

    @Test func everyHostileRequestGetsA4xxJSONErrorAndChangesNothing() throws {
        let workerToken = "wt-" + UUID().uuidString
        let stack = try TryOnStack(environment: ["WORKER_TOKEN": workerToken, "WORKER_TRIGGER": "off", "WORKER_CHAIN": "off"])
        defer { stack.stop() }
        let taskId = try Self.seedFinishedTasks(stack, workerToken: workerToken)
        let corpus = HostileCorpus(userId: Self.owner, taskId: taskId, workerToken: workerToken)
        let masterPid = stack.host.process.processIdentifier

        var summary: JSONObject = [:]
        var allViolations: [String] = []
        var totalInputs = 0
        for (function, requests) in [
            ("replicate-async-start", corpus.start()), ("replicate-async-status", corpus.status()), ("replicate-async-worker", corpus.worker()),
        ] {
            let before = try TaskTableSnapshot.take(databaseURL: stack.databaseURL, schema: stack.schema)
            let crashesBefore = try Self.crashesAndRespawns(stack, function: function)
            let pidsBefore = Set(WorkerProcesses.pids(function: function, masterPid: masterPid))

            var run = HostileCorpusRun(function: function)
            for request in requests { run.send(request, port: stack.host.port) }

            let after = try TaskTableSnapshot.take(databaseURL: stack.databaseURL, schema: stack.schema)
            let crashes = try Self.crashesAndRespawns(stack, function: function) - crashesBefore
            let pidsAfter = Set(WorkerProcesses.pids(function: function, masterPid: masterPid))
            let mustBeRefused = requests.filter { $0.expectation == .refused }.count
            #expect(mustBeRefused >= 200, "\(function): only \(mustBeRefused) hostile requests that must be refused")
            #expect(run.violations.isEmpty, "\(function): \(run.violations.count) of \(run.tried) broke a rule:\n\(run.violations.prefix(40).joined(separator: "\n"))")
            #expect(run.serverErrors == 0, "\(function): \(run.serverErrors) answers were 5xx")
            #expect(after == before, "\(function): replicate_tasks changed: \(before) -> \(after)")
            #expect(crashes == 0, "\(function): \(crashes) worker crashes or respawns")
            #expect(!pidsBefore.isEmpty && pidsAfter.isSuperset(of: pidsBefore), "\(function): worker processes replaced: \(pidsBefore) -> \(pidsAfter)")
            for body in run.bodies {
                #expect(!body.contains(workerToken), "\(function): a response body carries the worker token")
            }
            allViolations += run.violations
            totalInputs += run.tried
            summary[function] = run.summary(crashes: crashes, databaseChanged: after != before)
        }
        #expect(stack.host.process.isRunning, "the master survived the corpus")
        #expect(!stack.host.log().contains(workerToken), "the worker token never reaches a log line")

        if let path = ProcessInfo.processInfo.environment["HOSTILE_SUMMARY"], !path.isEmpty {
            summary["total_inputs"] = .number(Double(totalInputs))
            summary["rule_violations"] = .number(Double(allViolations.count))
            try Data((JSONValue.object(summary).encoded() + "\n").utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Two finished tasks of `owner` (one completed, one failed), so status has something real to
    /// hide and the right-token worker calls find nothing to claim. Returns the completed one's id.
    static func seedFinishedTasks(_ stack: TryOnStack, workerToken: String) throws -> String {
        let token = [HTTPHeader(name: "X-Worker-Token", value: workerToken)]
        let completed = try stack.startTask(garments: ["https://example.com/g.jpg"], userId: owner)
        _ = try stack.host.send("GET", TryOnStack.workerPath, headers: token)
        try stack.standIn.setFaults(#"{"failPrediction": 2}"#)
        let failed = try stack.startTask(garments: ["https://example.com/g.jpg"], userId: owner)
        let finished = try poll(within: 10, every: 0.1) {
            let states = try [completed, failed].map { try stack.status($0).json?["status"]?.stringValue ?? "" }
            if states == ["completed", "failed"] { return true }
            _ = try stack.host.send("GET", TryOnStack.workerPath, headers: token)
            return false
        }
        guard finished else { throw StackError("the seeded tasks did not finish") }
        return completed
    }

    /// Crashes plus respawns of `function`'s pool, from the status page.
    static func crashesAndRespawns(_ stack: TryOnStack, function: String) throws -> Int {
        let pool = try stack.host.statusPage()["functions"]?[function]
        guard let crashes = pool?["crashes"]?.numberValue, let respawns = pool?["respawns"]?.numberValue else {
            throw StackError("the status page has no counters for \(function)")
        }
        return Int(crashes + respawns)
    }
}
