import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Synchronization
import Testing

/// The try-on job system end to end: real nginx, the host, real PostgreSQL (a schema per test) and
/// the project's Replicate stand-in as a real HTTP server.
@Suite(.serialized) struct TryOnTests {
    @Test(arguments: [1, 3])
    func tasksReachCompletedWithAResultURLThatServesAnImage(garmentCount: Int) throws {
        let stack = try TryOnStack()
        defer { stack.stop() }
        let garments = (1...garmentCount).map { "https://example.com/garment-\($0).jpg" }
        let taskId = try stack.startTask(garments: garments)
        let final = try stack.waitForTerminalStatus(taskId)
        #expect(final["status"] == "completed", "\(final)")
        #expect(final["current_step"]?.numberValue == Double(garmentCount))
        #expect(final["total_steps"]?.numberValue == Double(garmentCount))
        let resultURL = try #require(final["result_url"]?.stringValue)
        #expect(resultURL.hasPrefix(stack.baseURL + "/results/\(taskId)/"), "our own storage, not Replicate's")
        let image = try sendRequest(resultURL, "")
        #expect(image.status == 200)
        #expect(Array(image.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        #expect(image.header("Content-Type") == "image/png")

        // Exactly one create per step, each step fed the previous step's stored output.
        let creates = try stack.standIn.creates()
        #expect(creates.count == garmentCount)
        #expect(creates.map { $0["garm_img"]?.stringValue ?? "" } == garments)
        #expect(creates.first?["human_img"] == "https://example.com/person.jpg")
        for step in 1..<max(1, garmentCount) where garmentCount > 1 {
            #expect(creates[step]["human_img"]?.stringValue == stack.baseURL + "/results/\(taskId)/step-\(step).png")
        }
        #expect(creates.allSatisfy { $0["garment_des"] == "test garment" }, "prompt_hints goes to garment_des")
    }

    @Test func aFailingPredictionIsRetriedOnceThenFailsTheTaskWithItsMessage() throws {
        let stack = try TryOnStack()
        defer { stack.stop() }
        try stack.standIn.setFaults(#"{"failPrediction": 2}"#)
        let taskId = try stack.startTask(garments: ["https://example.com/g.jpg"])
        let final = try stack.waitForTerminalStatus(taskId)
        #expect(final["status"] == "failed")
        let message = try #require(final["error_message"]?.stringValue)
        #expect(message.contains("CUDA out of memory"), "\(message)")
        #expect(try stack.standIn.creates().count == 2, "the failed prediction was retried once, with a new prediction")
    }

    @Test func invalidInputFailsTheTaskAtOnce() throws {
        let stack = try TryOnStack()
        defer { stack.stop() }
        try stack.standIn.setFaults(#"{"invalidInput": 1}"#)
        let taskId = try stack.startTask(garments: ["https://example.com/g.jpg"])
        let final = try stack.waitForTerminalStatus(taskId)
        #expect(final["status"] == "failed")
        #expect(final["error_message"]?.stringValue?.hasPrefix("Replicate rejected the input") == true, "\(final)")
    }

    @Test func twentyConcurrentWorkerInvocationsClaimOneTaskOnce() throws {
        let stack = try TryOnStack(standInDelayMilliseconds: 200, environment: ["WORKER_TRIGGER": "off"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/g.jpg"])
        let base = stack.baseURL
        let answers = inParallel(20) { _ in (try? sendRequest(base, TryOnStack.workerPath))?.json }
        let claimed = answers.compactMap { $0?["task_id"]?.stringValue }
        #expect(claimed == [taskId], "exactly one invocation processed the task: \(answers)")
        #expect(answers.compactMap { $0?["message"]?.stringValue }.filter { $0 == "No pending tasks" }.count == 19)
        #expect(try stack.waitForTerminalStatus(taskId, kickWorker: false)["status"] == "completed")
        #expect(try stack.standIn.creates().count == 1)
    }

    @Test func startAnswersAtOnceWhenTheWorkerIsUnreachableOrHangs() throws {
        // A listener that accepts and never answers: a hung worker. Port 1: nothing listens.
        let hanging = try HangingListener()
        defer { hanging.stop() }
        for workerURL in ["http://127.0.0.1:\(hanging.port)/", "http://127.0.0.1:1/"] {
            let stack = try TryOnStack(environment: ["WORKER_URL": workerURL])
            defer { stack.stop() }
            var slowest = 0.0
            for _ in 0..<10 {
                let started = Date()
                _ = try stack.startTask(garments: ["https://example.com/g.jpg"])
                slowest = max(slowest, Date().timeIntervalSince(started))
            }
            // The trigger's own timeout is 1.5 s; a start that waited for it would take at least that.
            #expect(slowest < 1.0, "start waited for the worker (\(slowest) s) with \(workerURL)")
        }
    }

    @Test func anIdempotencyKeyReturnsTheSameTaskAndRefusesADifferentBody() throws {
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off"])
        defer { stack.stop() }
        let body = #"{"person_image":"https://example.com/p.jpg","garments":["https://example.com/g.jpg"]}"#
        let key = [HTTPHeader(name: "Idempotency-Key", value: "order-42")]
        let first = try stack.start(body, headers: key)
        let again = try stack.start(body, headers: key)
        #expect(first.status == 200 && again.status == 200)
        #expect(first.json?["task_id"] != nil && first.json?["task_id"] == again.json?["task_id"])
        let different = try stack.start(#"{"person_image":"https://example.com/other.jpg","garments":["https://example.com/g.jpg"]}"#, headers: key)
        #expect(different.status == 422)
        #expect(different.json?["code"] == "idempotency_conflict")
        let otherUser = try stack.start(body, userId: "user-2", headers: key)
        #expect(otherUser.json?["task_id"] != first.json?["task_id"], "keys are per user")
    }

    @Test func withTheStartTriggerOffATaskIsCompletedByTheWorkersTimerAlone() throws {
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off"], timers: true)
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/g.jpg"])
        // The shipped worker's timer fires every 5 s; nothing else calls the worker here.
        let final = try stack.waitForTerminalStatus(taskId, timeout: 15, kickWorker: false)
        #expect(final["status"] == "completed", "\(final)")
        #expect(stack.host.logEvents("timer_finished").contains { $0["function"] == "replicate-async-worker" })
    }

    @Test func statusRevealsNothingToAnotherUserAndTheWorkerTokenIsEnforced() throws {
        let stack = try TryOnStack(environment: ["WORKER_TOKEN": "s3cret-token", "WORKER_TRIGGER": "off"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/g.jpg"], userId: "owner")
        #expect(try stack.status(taskId, userId: "owner").status == 200)
        let other = try stack.status(taskId, userId: "someone-else")
        #expect(other.status == 404)
        #expect(other.json?["error"] == "Task not found")
        let refused = try stack.host.send(TryOnStack.workerPath)
        #expect(refused.status == 401)
        let wrong = try stack.host.send("GET", TryOnStack.workerPath, headers: [HTTPHeader(name: "X-Worker-Token", value: "nope")])
        #expect(wrong.status == 401)
        let allowed = try stack.host.send("GET", TryOnStack.workerPath, headers: [HTTPHeader(name: "X-Worker-Token", value: "s3cret-token")])
        #expect(allowed.status == 200)
        // Ambiguous identities and credentials are refused, never resolved in the caller's favour.
        let twoTokens = try stack.host.send("GET", TryOnStack.workerPath, headers: [
            HTTPHeader(name: "X-Worker-Token", value: "nope"), HTTPHeader(name: "X-Worker-Token", value: "s3cret-token"),
        ])
        #expect(twoTokens.status == 401)
        let twoUsers = try stack.host.send("GET", "\(TryOnStack.statusPath)?task_id=\(taskId)", headers: [
            HTTPHeader(name: "X-User-Id", value: "someone-else"), HTTPHeader(name: "X-User-Id", value: "owner"),
        ])
        #expect(twoUsers.status == 401)
        #expect(twoUsers.json?["task_id"] == nil)
        let malformed = try stack.host.send("GET", "\(TryOnStack.statusPath)?task_id=\(taskId)", headers: [HTTPHeader(name: "X-User-Id", value: String(repeating: "o", count: 200))])
        #expect(malformed.status == 401, "a malformed X-User-Id is not taken for an absent one (which skips the owner check)")
        #expect(malformed.json?["task_id"] == nil)
        #expect(!stack.host.log().contains("s3cret-token"), "no secret in the log")
    }

    @Test func sqlInAcceptedFieldsIsStoredVerbatim() throws {
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off"])
        defer { stack.stop() }
        let userId = "1' OR '1'='1"
        let hints = "'); DROP TABLE replicate_tasks; --"
        let body = "{\"person_image\":\"https://example.com/p.jpg?q='--\",\"garments\":[\"https://example.com/g.jpg\"],\"prompt_hints\":\(JSONText.quoted(hints))}"
        let started = try stack.start(body, userId: userId, headers: [HTTPHeader(name: "Idempotency-Key", value: "';DELETE/**/FROM/**/replicate_tasks;--")])
        #expect(started.status == 200, "\(String(decoding: started.body, as: UTF8.self))")
        let taskId = try #require(started.json?["task_id"]?.stringValue)
        _ = try stack.startTask(garments: ["https://example.com/g.jpg"], userId: "bystander")
        let rows = try TaskTableSnapshot.rowTexts(databaseURL: stack.databaseURL, schema: stack.schema)
        #expect(rows.count == 2, "the table is intact and holds both tasks")
        #expect(rows.contains { $0.contains(taskId) && $0.contains("DROP TABLE replicate_tasks") && $0.contains("DELETE/**/FROM") })
        #expect(try stack.status(taskId, userId: userId).status == 200, "the owner, SQL and all, reads the task")
        #expect(try stack.status(taskId, userId: "1").status == 404)
    }
}

/// Worker processes of one function, found through /proc.
enum WorkerProcesses {
    /// SIGKILLs every worker process of `function` under `masterPid`; returns how many.
    static func kill(function: String, masterPid: Int32) -> Int {
        var killed = 0
        for pid in pids(function: function, masterPid: masterPid) {
            Glibc.kill(pid, SIGKILL)
            killed += 1
        }
        return killed
    }

    static func pids(function: String, masterPid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { return false }
            let fields = stat[afterName.upperBound...].split(separator: " ")
            let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return fields.count > 1 && Int32(fields[1]) == masterPid && arguments.contains("worker")
                && arguments.contains(function)
        }
    }
}
