import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Postgres
import Testing

/// The try-on flow through the Python functions of the example export (`examples/notes-export`:
/// replicate-async-start, -worker, -status, written the way poehali.dev's are), served unchanged by
/// the real stack with its migrations in a fresh schema and the Replicate stand-in as a real
/// server that the worker reaches through the official `replicate` client (REPLICATE_BASE_URL).
/// Start reaches the worker by its hard-coded https://functions.poehali.dev/<uuid> URL.
@Suite(.serialized) struct PythonTryOnTests {
    static let person = "https://example.com/person.jpg"
    static let garments = [("https://example.com/shirt.jpg", "upper_body"), ("https://example.com/jeans.jpg", "lower_body")]

    @Test func aTryOnStartedInPythonCompletesWithAResultURLThatServesAPNG() throws {
        // Timers off: only start's trigger (by the worker's public URL) can get the task done.
        let stack = try PythonTryOnStack(timers: false)
        defer { stack.stop() }
        let taskId = try stack.start(person: Self.person, garments: Self.garments, hints: "tucked in")
        let final = try stack.waitForTerminalStatus(taskId, within: 60)
        #expect(final["status"] == "completed", "\(final)\n\(stack.python.host.log().suffix(3000))")
        #expect(final["current_step"] == 2)
        #expect(final["total_steps"] == 2)
        #expect(final["error_message"] == nil)
        let resultURL = try #require(final["result_url"]?.stringValue)
        let prefix = stack.baseURL + "/results/\(taskId)/"
        #expect(resultURL.hasPrefix(prefix), "a copy in the project's storage, served by this stack: \(resultURL)")
        let image = try stack.python.host.send(String(resultURL.dropFirst(stack.baseURL.count)))
        #expect(image.status == 200)
        #expect(image.header("Content-Type") == "image/png")
        #expect(Array(image.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")

        // One create per garment by the official client, each garment put on the previous output.
        let creates = try stack.standIn.creates()
        #expect(creates.count == 2, "\(creates)")
        #expect(creates.allSatisfy { $0["user_agent"]?.stringValue?.hasPrefix("replicate-python/1.0.7") == true }, "\(creates)")
        #expect(creates.map { $0["garm_img"]?.stringValue ?? "" } == Self.garments.map(\.0))
        #expect(creates.map { $0["category"]?.stringValue ?? "" } == Self.garments.map(\.1))
        #expect(creates.allSatisfy { $0["garment_des"] == "tucked in" }, "prompt_hints goes to garment_des")
        #expect(creates.first?["human_img"]?.stringValue == Self.person)
        let firstPrediction = try #require(creates.first?["prediction_id"]?.stringValue)
        #expect(creates.last?["human_img"]?.stringValue == stack.standIn.baseURL + "/files/\(firstPrediction).png")

        // The owner check: another user's poll does not see the task.
        let other = try stack.status(taskId, userId: "someone-else")
        #expect(other.status == 404)
        #expect(other.json?["error"] == "Task not found")
    }

    @Test func aFailedPredictionFailsTheTaskWithTheModelsMessage() throws {
        let stack = try PythonTryOnStack(timers: false)
        defer { stack.stop() }
        try stack.standIn.setFaults(#"{"failPrediction": 1}"#)
        let taskId = try stack.start(person: Self.person, garments: [Self.garments[0]], hints: nil)
        let final = try stack.waitForTerminalStatus(taskId, within: 60)
        #expect(final["status"] == "failed", "\(final)")
        let message = try #require(final["error_message"]?.stringValue)
        #expect(message.hasPrefix("Prediction failed: ") && message.contains("CUDA out of memory"), "\(message)")
        #expect(final["result_url"] == nil)
        #expect(try stack.standIn.creates().count == 1)
    }

    @Test func theWorkersTimerFinishesATaskWhoseTriggerWasLostAndRetriesAReplicate500() throws {
        let stack = try PythonTryOnStack(timers: true)
        defer { stack.stop() }
        // A task stored as start stores it, but nobody asked the worker: only its timer
        // (function.json, every 5 s) can pick it up. Its first create gets a 500, which hands the
        // task back for a later call instead of failing it.
        try stack.standIn.setFaults(#"{"create500": 1}"#)
        let taskId = UUID().uuidString.lowercased()
        let connection = PostgresConnection(url: stack.databaseURL, schema: stack.schema, applicationName: "fnhost-python-tryon-test")
        defer { connection.close() }
        let inserted = try connection.execute(
            """
            INSERT INTO replicate_tasks (id, user_id, status, person_image, garments, total_steps, updated_at)
            VALUES ($1, 'user-1', 'pending', $2, $3, 1, NOW())
            """,
            [taskId, Self.person, #"[{"image": "https://example.com/shirt.jpg", "category": "upper_body"}]"#])
        #expect(inserted == 1)
        let final = try stack.waitForTerminalStatus(taskId, within: 90)
        #expect(final["status"] == "completed", "\(final)\n\(stack.python.host.log().suffix(3000))")
        let calls = try stack.standIn.calls().filter { $0["kind"] == "create" }
        #expect(calls.map { $0["status"]?.numberValue ?? 0 } == [500, 201], "\(calls)")
        let timerRuns = stack.python.host.logEvents("invocation").filter {
            $0["function"] == "replicate-async-worker" && $0["method"] == "TIMER"
        }
        #expect(!timerRuns.isEmpty, "the worker ran on its timer")
        let row = try connection.query("SELECT attempt, error_code, result_url FROM replicate_tasks WHERE id = $1", [taskId])
        #expect(row.first?["attempt"] == "2", "the 500 used one attempt")
        #expect(row.first?["error_code"] == nil)
    }
}

/// The example export on the real stack for one test, with its own Replicate stand-in.
final class PythonTryOnStack {
    let standIn: StandInProcess
    let python: PythonStack

    init(timers: Bool) throws {
        standIn = try StandInProcess(delayMilliseconds: 150)
        do {
            python = try PythonStack(
                project: NotesExportTests.project, readyPath: "/replicate-async-status",
                extraArguments: (timers ? [] : ["--no-timers"]) + ["--admin-port", "0", "--no-watch"],
                environment: [
                    "REPLICATE_API_TOKEN": "r8_standin_test", "REPLICATE_BASE_URL": standIn.baseURL, "POLL_INTERVAL_MS": "50",
                ])
        } catch {
            standIn.stop()
            throw error
        }
    }

    var baseURL: String { python.host.baseURL }
    var databaseURL: String { ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "" }
    var schema: String { python.schema ?? "public" }

    func stop() {
        python.stop()
        standIn.stop()
    }

    /// POSTs to the Python start function as the page does; returns the task id.
    func start(person: String, garments: [(String, String)], hints: String?, userId: String = "user-1") throws -> String {
        var body: [String: Any] = ["person_image": person, "garments": garments.map { ["image": $0.0, "category": $0.1] }]
        if let hints { body["prompt_hints"] = hints }
        let response = try python.host.send(
            "POST", "/replicate-async-start",
            headers: [HTTPHeader(name: "Content-Type", value: "application/json"), HTTPHeader(name: "X-User-Id", value: userId)],
            body: Array(try JSONSerialization.data(withJSONObject: body)))
        guard response.status == 200, response.json?["status"] == "pending", let id = response.json?["task_id"]?.stringValue else {
            throw StackError("start answered \(response.status): \(response.text)")
        }
        return id
    }

    func status(_ taskId: String, userId: String? = "user-1") throws -> HTTPClientResponse {
        try python.host.send(
            "GET", "/replicate-async-status?task_id=\(taskId)", headers: userId.map { [HTTPHeader(name: "X-User-Id", value: $0)] } ?? [])
    }

    /// Polls status (as the page does, only faster) until the task is completed or failed, or the
    /// deadline passes; returns the last answer.
    func waitForTerminalStatus(_ taskId: String, within seconds: Double) throws -> JSONValue {
        var last: JSONValue = .null
        _ = try poll(within: seconds, every: 0.2) {
            let response = try status(taskId)
            last = response.json ?? .string("status \(response.status): \(response.text)")
            return last["status"] == "completed" || last["status"] == "failed"
        }
        return last
    }
}
