import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Postgres
import Testing
import WebhookSignature
import Hashing

/// Tasks that wait for Replicate without a process, advanced by the stand-in's signed webhooks (or
/// the worker's own checks), end to end: real nginx, the host, PostgreSQL and the stand-in.
@Suite(.serialized) struct TryOnWebhookTests {
    static let webhookPath = "/replicate-webhook"

    @Test func aParkedTaskCompletesThroughTheWebhookWithNoWorkerProcessLeft() throws {
        let stack = try TryOnStack(standInDelayMilliseconds: 700, environment: ["WORKER_TRIGGER": "off", "WORKER_CHAIN": "off"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/a.jpg", "https://example.com/b.jpg"])
        let answer = try stack.host.send(TryOnStack.workerPath)
        #expect(answer.json?["task_id"]?.stringValue == taskId)
        #expect(answer.json?["status"] == "waiting", "the worker created the prediction and let go: \(answer.json ?? .null)")
        // No process holds the task: kill every worker process; the webhook alone finishes it.
        #expect(WorkerProcesses.kill(function: "replicate-async-worker", masterPid: stack.host.process.processIdentifier) > 0)
        let final = try stack.waitForTerminalStatus(taskId, timeout: 30, kickWorker: false)
        #expect(final["status"] == "completed", "\(final)")
        #expect(final["current_step"]?.numberValue == 2)
        let creates = try stack.standIn.creates()
        #expect(creates.count == 2, "one create per garment: \(creates)")
        let database = try TaskDatabaseProbe(stack)
        defer { database.close() }
        #expect(try database.count("replicate_prediction_events") == 2, "one recorded completion per prediction")
    }

    @Test func forgedReplayedAndUnsignedDeliveriesAre401AndChangeNothing() throws {
        let stack = try TryOnStack(standInDelayMilliseconds: 60_000, environment: ["WORKER_TRIGGER": "off", "WORKER_CHAIN": "off"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/a.jpg"])
        #expect(try stack.host.send(TryOnStack.workerPath).json?["status"] == "waiting")
        let predictionId = try #require(try stack.standIn.creates().first?["prediction_id"]?.stringValue)
        let database = try TaskDatabaseProbe(stack)
        defer { database.close() }
        let before = try database.row(taskId)
        let secret = try stack.standIn.webhookSecret()
        let body = Array(#"{"id":"\#(predictionId)","status":"succeeded","output":"\#(stack.standIn.baseURL)/files/\#(predictionId).png","completed_at":"2026-01-01T00:00:00Z"}"#.utf8)
        let now = Int64(Date().timeIntervalSince1970)

        var refusals: [(String, HTTPClientResponse)] = []
        refusals.append(("unsigned", try deliver(stack, body: body, headers: [])))
        refusals.append(("forged", try deliver(stack, body: body, id: "msg_forged", timestamp: now, secret: "whsec_" + StandardBase64.encode(Array("not-the-secret".utf8)))))
        refusals.append(("replayed", try deliver(stack, body: body, id: "msg_old", timestamp: now - 600, secret: secret)))
        refusals.append(("from the future", try deliver(stack, body: body, id: "msg_future", timestamp: now + 600, secret: secret)))
        var tampered = body
        tampered[tampered.count - 3] = UInt8(ascii: "1")
        refusals.append(("tampered", try deliver(stack, body: tampered, id: "msg_t", timestamp: now, secret: secret, signedBody: body)))
        for (label, response) in refusals {
            #expect(response.status == 401, "\(label): \(response.status)")
            let message = response.json?["error"]?.stringValue ?? ""
            #expect(message.hasPrefix("Webhook refused"), "\(label): \(message)")
            #expect(!message.contains(secret), "no secret in an answer")
        }
        #expect(refusals[0].1.json?["error"]?.stringValue?.contains("webhook-") == true, "names the missing header")
        #expect(try database.row(taskId) == before, "the task is untouched")
        #expect(try database.count("replicate_prediction_events") == 0, "nothing recorded")
        #expect(try stack.status(taskId).json?["status"] == "processing")
    }

    @Test func repeatedLateAndUnknownDeliveriesAreAnswered200AndChangeNothing() throws {
        let stack = try TryOnStack(environment: ["WORKER_TRIGGER": "off", "WORKER_CHAIN": "off"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/a.jpg", "https://example.com/b.jpg"])
        _ = try stack.host.send(TryOnStack.workerPath)
        let final = try stack.waitForTerminalStatus(taskId, timeout: 30, kickWorker: false)
        #expect(final["status"] == "completed", "\(final)")
        let predictions = try stack.standIn.creates().compactMap { $0["prediction_id"]?.stringValue }
        #expect(predictions.count == 2)
        let database = try TaskDatabaseProbe(stack)
        defer { database.close() }
        let before = try database.row(taskId)
        let secret = try stack.standIn.webhookSecret()
        let now = Int64(Date().timeIntervalSince1970)

        // The first step's completion again (out of order: the task has moved past it), as a repeat
        // of an earlier delivery and under a new delivery id; the last step's again; an unknown one.
        for (index, predictionId) in (predictions + ["no-such-prediction"]).enumerated() {
            let body = try stack.standIn.predictionJSON(predictionId) ?? Array(#"{"id":"\#(predictionId)","status":"succeeded","output":null,"completed_at":"2026-01-01T00:00:00Z"}"#.utf8)
            let answer = try deliver(stack, body: body, id: "msg_again_\(index)", timestamp: now, secret: secret)
            #expect(answer.status == 200, "\(predictionId): \(String(decoding: answer.body, as: UTF8.self))")
            #expect(answer.json?["task_id"] == nil, "no task was advanced by \(predictionId)")
            let repeated = try deliver(stack, body: body, id: "msg_again_\(index)", timestamp: now, secret: secret)
            #expect(repeated.status == 200)
            #expect(repeated.json?["message"] == "Already recorded")
        }
        // Not a completion: noted, nothing changes.
        let running = Array(#"{"id":"\#(predictions[0])","status":"processing"}"#.utf8)
        let ignored = try deliver(stack, body: running, id: "msg_start", timestamp: now, secret: secret)
        #expect(ignored.status == 200)
        #expect(ignored.json?["message"]?.stringValue?.hasPrefix("Noted") == true)
        #expect(ignored.json?["adopted"] == nil, "the task has moved on: nothing to adopt")
        // Signed, but not a prediction: 400 naming what is wrong.
        let garbage = try deliver(stack, body: Array(#"{"hello":1}"#.utf8), id: "msg_garbage", timestamp: now, secret: secret)
        #expect(garbage.status == 400)
        #expect(garbage.json?["error"]?.stringValue?.contains("prediction object") == true)

        #expect(try database.row(taskId) == before, "the finished task is untouched")
        #expect(try stack.standIn.creates().count == 2, "no new prediction")
    }

    @Test func aCompletionDeliveredBeforeTheCheckpointIsNotLost() throws {
        // The prediction ends at once, and the create's answer is held 1.5 s: the delivery arrives
        // while the worker still waits for its create, finds no waiting task, and is only recorded;
        // the worker finds it right after its checkpoint and finishes the task in the same call.
        // A 9 s lease lets one call take 3 s, longer than the hold.
        let stack = try TryOnStack(
            standInDelayMilliseconds: 0, environment: ["WORKER_TRIGGER": "off", "WORKER_CHAIN": "off", "LEASE_SECONDS": "9"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/a.jpg"])
        try stack.standIn.setFaults(#"{"hangMs": 1500, "hangCount": 1}"#)
        let answer = try stack.host.send(TryOnStack.workerPath)
        #expect(answer.json?["task_id"]?.stringValue == taskId)
        #expect(answer.json?["status"] == "completed", "\(answer.json ?? .null)")
        let database = try TaskDatabaseProbe(stack)
        defer { database.close() }
        #expect(try database.count("replicate_prediction_events") == 1, "the early delivery was recorded")
        #expect(try stack.status(taskId).json?["status"] == "completed")
        #expect(try stack.standIn.creates().count == 1)
    }

    @Test func withWebhooksOffTheWorkersTimerChecksWaitingPredictionsInBatches() throws {
        let stack = try TryOnStack(
            standInDelayMilliseconds: 300,
            environment: ["REPLICATE_WEBHOOK_URL": "off", "WAIT_CHECK_SECONDS": "1"], timers: true)
        defer { stack.stop() }
        let tasks = try (0..<6).map { index in try stack.startTask(garments: ["https://example.com/g\(index).jpg"]) }
        for taskId in tasks {
            let final = try stack.waitForTerminalStatus(taskId, timeout: 40, kickWorker: false)
            #expect(final["status"] == "completed", "\(taskId): \(final)")
        }
        let creates = try stack.standIn.creates()
        #expect(creates.count == 6)
        let database = try TaskDatabaseProbe(stack)
        defer { database.close() }
        #expect(try database.count("replicate_prediction_events") == 0, "no webhook was asked for, so none arrived")
    }

    @Test func aDroppedDeliveryIsMadeUpByTheWorkersOwnCheck() throws {
        let stack = try TryOnStack(standInDelayMilliseconds: 200, environment: ["WAIT_CHECK_SECONDS": "2"], timers: true)
        defer { stack.stop() }
        try stack.standIn.setFaults(#"{"webhookDrop": 1}"#)
        let taskId = try stack.startTask(garments: ["https://example.com/a.jpg"])
        let final = try stack.waitForTerminalStatus(taskId, timeout: 30, kickWorker: false)
        #expect(final["status"] == "completed", "\(final)")
        #expect(try stack.standIn.creates().count == 1, "the same prediction, read by the worker")
        let database = try TaskDatabaseProbe(stack)
        defer { database.close() }
        #expect(try database.count("replicate_prediction_events") == 0, "no delivery arrived")
    }

    @Test func aPredictionWhoseCreateAnswerWasLostIsAdoptedNotPaidForTwice() throws {
        // The create is made, then the connection closes with no answer: the worker cannot know the
        // prediction's id and gives the task back. The prediction's start event, whose URL names
        // the task and step, adopts it; its completion finishes the task. One create in all.
        let stack = try TryOnStack(standInDelayMilliseconds: 400, environment: ["WORKER_TRIGGER": "off", "WORKER_CHAIN": "off"])
        defer { stack.stop() }
        let taskId = try stack.startTask(garments: ["https://example.com/a.jpg"])
        try stack.standIn.setFaults(#"{"dropAfterCreate": 1}"#)
        let answer = try stack.host.send(TryOnStack.workerPath)
        #expect(answer.json?["status"] == "pending", "the create's answer was lost: \(answer.json ?? .null)")
        let final = try stack.waitForTerminalStatus(taskId, timeout: 30)
        #expect(final["status"] == "completed", "\(final)")
        let creates = try stack.standIn.creates()
        #expect(creates.count == 1, "the orphan was adopted, not created again: \(creates)")
        let webhooks = try stack.standIn.calls().filter { $0["kind"] == "webhook" }
        #expect(webhooks.contains { $0["event"] == "start" && $0["status"]?.numberValue == 200 }, "\(webhooks)")
    }

    // MARK: - Helpers

    /// POSTs `body` to the webhook, signed with `secret` over `signedBody` (default `body`).
    private func deliver(
        _ stack: TryOnStack, body: [UInt8], id: String, timestamp: Int64, secret: String, signedBody: [UInt8]? = nil
    ) throws -> HTTPClientResponse {
        let signature = try #require(WebhookSignature.sign(secret: secret, id: id, timestamp: timestamp, body: signedBody ?? body))
        return try deliver(
            stack, body: body,
            headers: [
                HTTPHeader(name: "webhook-id", value: id), HTTPHeader(name: "webhook-timestamp", value: String(timestamp)),
                HTTPHeader(name: "webhook-signature", value: signature),
            ])
    }

    private func deliver(_ stack: TryOnStack, body: [UInt8], headers: [HTTPHeader]) throws -> HTTPClientResponse {
        try stack.host.send(
            "POST", Self.webhookPath, headers: [HTTPHeader(name: "Content-Type", value: "application/json")] + headers, body: body)
    }
}
