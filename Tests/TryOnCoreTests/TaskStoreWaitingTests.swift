import Foundation
import Synchronization
import Postgres
import Testing
@testable import TryOnCore

/// The waiting state's statements against a real PostgreSQL: parking after a create, claiming back
/// by prediction id (exactly once), the timer's due checks, recorded completions, deadlines.
@Suite("TaskStore waiting (PostgreSQL)")
struct TaskStoreWaitingTests {
    static let succeeded = Prediction(id: "pred-1", status: .succeeded, output: "https://r.test/out.png", error: nil, completedAt: "x")

    @Test func parkReleasesTheLeaseAndKeepsThePrediction() async throws {
        try await withTaskDatabase("park") { db throws in
            try db.insert("t1", garments: 2)
            let task = try db.claim()
            #expect(try db.store.park(task, step: 0, predictionId: "pred-1", checkAfterSeconds: 30))
            #expect(try db.value("status", of: "t1") == "waiting")
            #expect(try db.value("current_prediction_id", of: "t1") == "pred-1")
            #expect(try db.value("lease_token", of: "t1") == nil)
            #expect(try db.value("locked_by", of: "t1") == nil)
            #expect(try db.holds("poll_after BETWEEN now() + interval '25 seconds' AND now() + interval '35 seconds'", for: "t1"))
            #expect(try db.holds("waiting_since IS NOT NULL", for: "t1"))
            // The page sees work in progress, at the first of two steps.
            let view = try #require(try db.store.status(taskId: "t1"))
            #expect(view.status == .waiting)
            #expect(view.status.pageStatus == .processing)
            #expect(view.currentStep == 1)
            // The lease is gone: every fenced write of that claim now changes nothing.
            let before = try db.snapshot("t1")
            #expect(try db.store.park(task, step: 0, predictionId: "pred-2", checkAfterSeconds: 30) == false)
            #expect(try db.store.renewLease(task, seconds: 30) == false)
            #expect(try db.store.finish(task, resultURL: "x") == false)
            #expect(try db.snapshot("t1") == before)
        }
    }

    @Test func parkIsFencedByStep() async throws {
        try await withTaskDatabase("parkstep") { db throws in
            try db.insert("t1", garments: 2)
            let task = try db.claim()
            #expect(try db.store.park(task, step: 1, predictionId: "pred-1", checkAfterSeconds: 30) == false)
            #expect(try db.value("status", of: "t1") == "processing")
        }
    }

    @Test func claimWaitingIsExactlyOnce() async throws {
        try await withTaskDatabase("claimwait") { db throws in
            try db.insert("t1")
            #expect(try db.store.park(try db.claim(), step: 0, predictionId: "pred-1", checkAfterSeconds: 30))
            // Many claimants (deliveries and timer checks), each on its own connection, at once.
            let url = db.url
            let schema = db.schema
            let won = Mutex(0)
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 12) { index in
                let store = TaskStore(connection: PostgresConnection(url: url, schema: schema, applicationName: "tryon-wait-\(index)"))
                do {
                    if try store.claimWaiting(predictionId: "pred-1", workerId: "w\(index)", leaseSeconds: 30) != nil {
                        won.withLock { $0 += 1 }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty)
            #expect(won.withLock { $0 } == 1)
            #expect(try db.value("status", of: "t1") == "processing")
            #expect(try db.value("attempt", of: "t1") == "1", "claiming back uses no attempt")
            #expect(try db.holds("poll_after IS NULL AND waiting_since IS NULL AND lease_token IS NOT NULL", for: "t1"))
            // Unknown predictions and a task no longer waiting: nothing.
            #expect(try db.store.claimWaiting(predictionId: "pred-1", workerId: "late", leaseSeconds: 30) == nil)
            #expect(try db.store.claimWaiting(predictionId: "nobody", workerId: "w", leaseSeconds: 30) == nil)
        }
    }

    @Test func dueChecksSplitTheBatchAndPushTheNextCheck() async throws {
        try await withTaskDatabase("due") { db throws in
            for index in 0..<5 {
                try db.insert("t\(index)")
                #expect(try db.store.park(try db.claim(), step: 0, predictionId: "pred-\(index)", checkAfterSeconds: 0))
            }
            try db.exec("UPDATE replicate_tasks SET poll_after = now() + interval '1 hour' WHERE id = 't4'")
            let first = try db.store.dueChecks(limit: 3, recheckSeconds: 60)
            let second = try db.newStore().dueChecks(limit: 3, recheckSeconds: 60)
            #expect(first.count == 3)
            #expect(second.count == 1, "the rest of the due tasks, not the ones just taken")
            #expect(Set((first + second).map(\.taskId)) == ["t0", "t1", "t2", "t3"])
            #expect((first + second).allSatisfy { $0.predictionId == "pred-" + $0.taskId.dropFirst() })
            #expect(try db.store.dueChecks(limit: 10, recheckSeconds: 60).isEmpty, "each check pushed 60 s on")
        }
    }

    @Test func recordedCompletionsAreKeptOncePerDelivery() async throws {
        try await withTaskDatabase("events") { db throws in
            let body = #"{"id":"pred-1","status":"succeeded","output":"https://r.test/out.png","completed_at":"x"}"#
            #expect(try db.store.recordCompletion(deliveryId: "msg_1", prediction: Self.succeeded, body: body))
            #expect(try db.store.recordCompletion(deliveryId: "msg_1", prediction: Self.succeeded, body: body) == false)
            let read = try #require(try db.store.recordedCompletion(predictionId: "pred-1"))
            #expect(read.status == .succeeded)
            #expect(read.output == "https://r.test/out.png")
            #expect(try db.store.recordedCompletion(predictionId: "pred-2") == nil)
            let count = try db.sql.query("SELECT count(*) AS n FROM replicate_prediction_events").first?["n"]
            #expect(count == "1")
        }
    }

    @Test func sweepFailsWaitingTasksPastTheirDeadline() async throws {
        try await withTaskDatabase("waitdeadline") { db throws in
            try db.insert("late")
            try db.insert("fine")
            #expect(try db.store.park(try db.claim(), step: 0, predictionId: "pred-late", checkAfterSeconds: 30))
            #expect(try db.store.park(try db.claim(), step: 0, predictionId: "pred-fine", checkAfterSeconds: 30))
            try db.exec("UPDATE replicate_tasks SET deadline_at = now() - interval '1 second' WHERE id = 'late'")
            let sweep = try db.store.sweep()
            #expect(sweep.expired == 1)
            #expect(try db.value("status", of: "late") == "failed")
            #expect(try db.value("error_code", of: "late") == "deadline_exceeded")
            #expect(try db.value("status", of: "fine") == "waiting")
            // Its prediction's late completion finds no waiting task.
            #expect(try db.store.claimWaiting(predictionId: "pred-late", workerId: "w", leaseSeconds: 30) == nil)
        }
    }

    @Test func aWaitingTaskNeedsItsPrediction() async throws {
        try await withTaskDatabase("waitcheck") { db throws in
            try db.insert("t1")
            #expect(throws: (any Error).self) {
                try db.exec("UPDATE replicate_tasks SET status = 'waiting', poll_after = now() WHERE id = 't1'")
            }
            #expect(throws: (any Error).self) {
                try db.exec("UPDATE replicate_tasks SET status = 'stuck' WHERE id = 't1'")
            }
        }
    }

    @Test func blankPromptHintsAreAbsent() async throws {
        try await withTaskDatabase("hints") { db throws in
            try db.insert("t1")
            try db.exec("UPDATE replicate_tasks SET prompt_hints = '' WHERE id = 't1'")
            #expect(try db.claim().promptHints == nil)
            try db.insert("t2")
            try db.exec("UPDATE replicate_tasks SET prompt_hints = '  ', run_after = now() - interval '1 minute' WHERE id = 't2'")
            #expect(try db.claim().promptHints == nil)
            try db.insert("t3")
            try db.exec("UPDATE replicate_tasks SET prompt_hints = 'linen shirt', run_after = now() - interval '2 minutes' WHERE id = 't3'")
            #expect(try db.claim().promptHints == "linen shirt")
        }
    }

    @Test func anUnrecordedPredictionIsAdoptedByItsTaskAndStepOnly() async throws {
        try await withTaskDatabase("adopt") { db throws in
            // A pending task (its claimant's create answer was lost and the task given back).
            try db.insert("gone", garments: 2)
            let tag = WebhookTag(taskId: "gone", step: 0)
            #expect(try db.store.adopt(WebhookTag(taskId: "gone", step: 1), predictionId: "p-orphan", checkAfterSeconds: 30) == false,
                    "another step's prediction is not this step's")
            #expect(try db.store.adopt(tag, predictionId: "p-orphan", checkAfterSeconds: 30))
            #expect(try db.value("status", of: "gone") == "waiting")
            #expect(try db.value("current_prediction_id", of: "gone") == "p-orphan")
            #expect(try db.holds("poll_after IS NOT NULL AND lease_token IS NULL", for: "gone"))
            // Once it has a prediction, no other is adopted.
            #expect(try db.store.adopt(tag, predictionId: "p-other", checkAfterSeconds: 30) == false)
            #expect(try db.store.claimWaiting(predictionId: "p-orphan", workerId: "w", leaseSeconds: 30) != nil)

            // A processing task keeps its claim; the prediction is recorded for when it is given back.
            try db.insert("busy")
            let busy = try db.claim()
            #expect(try db.store.adopt(WebhookTag(taskId: "busy", step: 0), predictionId: "p-busy", checkAfterSeconds: 30))
            #expect(try db.value("status", of: "busy") == "processing")
            #expect(try db.value("current_prediction_id", of: "busy") == "p-busy")
            let status = try db.store.settle(
                busy, retryable: true, delaySeconds: 1, code: "replicate_unreachable", message: "reset", keepPrediction: true)
            #expect(status == .pending)
            #expect(try db.value("current_prediction_id", of: "busy") == "p-busy", "kept for the next claim to resume")

            // Finished tasks, unknown tasks and a prediction another task holds: nothing.
            try db.insert("done")
            try db.exec("UPDATE replicate_tasks SET status = 'completed', completed_at = now() WHERE id = 'done'")
            #expect(try db.store.adopt(WebhookTag(taskId: "done", step: 0), predictionId: "p-late", checkAfterSeconds: 30) == false)
            #expect(try db.store.adopt(WebhookTag(taskId: "nobody", step: 0), predictionId: "p-x", checkAfterSeconds: 30) == false)
            try db.insert("third")
            #expect(try db.store.adopt(WebhookTag(taskId: "third", step: 0), predictionId: "p-busy", checkAfterSeconds: 30) == false)
        }
    }

    @Test func webhookTagsRoundTripThroughTheURL() {
        let url = WebhookTag.url("http://127.0.0.1:8080/7d3f", taskId: "task 1&x", step: 2)
        #expect(url == "http://127.0.0.1:8080/7d3f?task=task%201%26x&step=2")
        #expect(WebhookTag.url("https://h/w?k=v", taskId: "t", step: 0) == "https://h/w?k=v&task=t&step=0")
        #expect(WebhookTag(query: ["task": "task 1&x", "step": "2"]) == WebhookTag(taskId: "task 1&x", step: 2))
        #expect(WebhookTag(query: ["task": "t"]) == nil)
        #expect(WebhookTag(query: ["task": "t", "step": "-1"]) == nil)
        #expect(WebhookTag(query: ["task": "", "step": "0"]) == nil)
        #expect(WebhookTag(query: ["task": "t", "step": "two"]) == nil)
    }
}
