import Foundation
import Postgres
import Testing
@testable import TryOnCore

/// `TaskStore` against a real PostgreSQL (`DATABASE_URL`), each test in its own migrated schema.
@Suite("TaskStore (PostgreSQL)")
struct TaskStoreTests {
    // MARK: - Start and status

    @Test func insertThenStatusView() async throws {
        try await withTaskDatabase("insert") { db throws in
            let request = Samples.request(garments: 3, hints: "slim fit")
            let outcome = try db.store.insert(
                id: "task-1", userId: "user-7", request: request, idempotencyKey: nil, requestHash: nil,
                deadlineSeconds: 600, maxAttempts: 5)
            #expect(outcome == .created(id: "task-1"))

            let view = try #require(try db.store.status(taskId: "task-1"))
            #expect(view.taskId == "task-1")
            #expect(view.userId == "user-7")
            #expect(view.status == .pending)
            #expect(view.step == 0)
            #expect(view.totalSteps == 3)
            #expect(view.currentStep == 0)
            #expect(view.resultURL == nil)
            #expect(view.errorMessage == nil)
            // UTC with microseconds and its offset, e.g. 2025-01-01T12:00:00.123456Z, and it is now.
            #expect(view.createdAt.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z/) != nil, "\(view.createdAt)")
            #expect(try db.holds("abs(extract(epoch FROM created_at - (now() AT TIME ZONE 'UTC'))) < 30", for: "task-1"))
            #expect(try db.value("to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", of: "task-1") == view.createdAt)
            let updatedAt = try #require(view.updatedAt)
            #expect(updatedAt.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z/) != nil, "\(updatedAt)")

            // The stored columns.
            #expect(try db.value("person_image", of: "task-1") == Samples.person)
            #expect(try db.value("garments", of: "task-1") == request.garmentsJSON)
            #expect(try db.value("prompt_hints", of: "task-1") == "slim fit")
            #expect(try db.value("attempt", of: "task-1") == "0")
            #expect(try db.value("max_attempts", of: "task-1") == "5")
            #expect(try db.value("lease_token", of: "task-1") == nil)
            #expect(try db.holds("deadline_at BETWEEN now() + interval '590 seconds' AND now() + interval '610 seconds'", for: "task-1"))
            #expect(try db.holds("run_after <= now()", for: "task-1"))

            #expect(try db.store.status(taskId: "no-such-task") == nil)
        }
    }

    @Test func statusTimesAreUTCWhateverTheSessionZone() async throws {
        try await withTaskDatabase("zone") { db throws in
            // A login whose own default zone is far from UTC: fnhost's sessions still run in UTC.
            let separator = db.url.contains("?") ? "&" : "?"
            let tokyo = db.url + separator + "options=-c%20TimeZone%3DAsia/Tokyo"
            let store = TaskStore(connection: PostgresConnection(url: tokyo, schema: db.schema, applicationName: "tryon-zone"))
            try db.insert("t1", store: store)
            let view = try #require(try store.status(taskId: "t1"))
            #expect(view.createdAt.hasSuffix("Z"))
            let zone = try PostgresConnection(url: tokyo, schema: db.schema).query("SHOW TimeZone").first?["TimeZone"]
            #expect(zone == "UTC", "fnhost's -c TimeZone=UTC comes after the URL's options")
            // Read back by a session in Tokyo time, the stored value is the UTC wall time of the insert.
            let raw = PostgresConnection(url: db.url, schema: db.schema)
            _ = try raw.execute("SET TimeZone = 'Asia/Tokyo'")
            let drift = try raw.query(
                "SELECT abs(extract(epoch FROM created_at - (now() AT TIME ZONE 'UTC')))::float8 AS d FROM replicate_tasks WHERE id = 't1'"
            ).first?["d"].flatMap(Double.init)
            #expect((drift ?? 1e9) < 30, "created_at is UTC: \(String(describing: drift))")
        }
    }

    @Test func idempotentInsert() async throws {
        try await withTaskDatabase("idem") { db throws in
            #expect(try db.insert("a1", user: "u1", key: "key-1", hash: "hash-A") == .created(id: "a1"))
            // Same user, same key, same request: the earlier task.
            #expect(try db.insert("a2", user: "u1", key: "key-1", hash: "hash-A") == .existing(id: "a1", sameRequest: true))
            // Same user, same key, another request: the earlier task, flagged as different.
            #expect(try db.insert("a3", user: "u1", key: "key-1", hash: "hash-B") == .existing(id: "a1", sameRequest: false))
            // Another user may use the same key.
            #expect(try db.insert("b1", user: "u2", key: "key-1", hash: "hash-A") == .created(id: "b1"))
            // Another key of the same user is a new task.
            #expect(try db.insert("a4", user: "u1", key: "key-2", hash: "hash-A") == .created(id: "a4"))
            // No key: never deduplicated.
            #expect(try db.insert("n1", user: "u1") == .created(id: "n1"))
            #expect(try db.insert("n2", user: "u1") == .created(id: "n2"))
            // A second store (another process) sees the same.
            #expect(
                try db.insert("a5", user: "u1", key: "key-1", hash: "hash-A", store: db.newStore())
                    == .existing(id: "a1", sameRequest: true))

            let ids = try db.sql.query("SELECT id FROM replicate_tasks ORDER BY id").map { $0["id"] ?? "" }
            #expect(ids == ["a1", "a4", "b1", "n1", "n2"])
            #expect(try db.value("request_hash", of: "a1") == "hash-A")
            #expect(try db.value("idempotency_key", of: "b1") == "key-1")
        }
    }

    // MARK: - Claim

    @Test func claimOnEmptyQueueIsNil() async throws {
        try await withTaskDatabase("empty") { db throws in
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 0, expired: 0))
        }
    }

    @Test func claimTakesTheTaskWithALease() async throws {
        try await withTaskDatabase("claim") { db throws in
            let request = Samples.request(garments: 2, hints: "hint")
            _ = try db.store.insert(
                id: "t1", userId: "u1", request: request, idempotencyKey: nil, requestHash: nil, deadlineSeconds: 600,
                maxAttempts: 4)
            let before = Date().timeIntervalSince1970
            let task = try db.claim(worker: "host:123", lease: 45)

            #expect(task.id == "t1")
            #expect(task.attempt == 1)
            #expect(task.maxAttempts == 4)
            #expect(task.step == 0)
            #expect(task.totalSteps == 2)
            #expect(task.personImage == Samples.person)
            #expect(task.garments == request.garments)
            #expect(task.promptHints == "hint")
            #expect(task.currentPredictionId == nil)
            #expect(task.intermediateURL == nil)
            #expect(task.predictionRetries == 0)
            #expect(abs(task.deadlineEpochSeconds - (before + 600)) < 30)
            #expect(task.leaseToken.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil)

            #expect(try db.value("status", of: "t1") == "processing")
            #expect(try db.value("attempt", of: "t1") == "1")
            #expect(try db.value("lease_token", of: "t1") == task.leaseToken)
            #expect(try db.value("locked_by", of: "t1") == "host:123")
            #expect(try db.holds("lease_expires_at BETWEEN now() + interval '40 seconds' AND now() + interval '50 seconds'", for: "t1"))
            #expect(try db.holds("started_at IS NOT NULL", for: "t1"))
            #expect(try db.store.status(taskId: "t1")?.status == .processing)
            #expect(try db.store.status(taskId: "t1")?.currentStep == 1)

            // Nothing else to claim: the only task is held.
            #expect(try db.store.claim(workerId: "other", leaseSeconds: 45) == nil)
            #expect(try db.newStore().claim(workerId: "other", leaseSeconds: 45) == nil)
        }
    }

    @Test func claimTakesTheOldestReadyTaskFirst() async throws {
        try await withTaskDatabase("order") { db throws in
            try db.insert("newer")
            try db.insert("older")
            try db.insert("later")
            try db.exec("UPDATE replicate_tasks SET run_after = now() - interval '2 minutes', created_at = localtimestamp - interval '2 minutes' WHERE id = 'older'")
            try db.exec("UPDATE replicate_tasks SET run_after = now() - interval '1 minute' WHERE id = 'newer'")
            #expect(try db.claim().id == "older")
            #expect(try db.claim().id == "newer")
            #expect(try db.claim().id == "later")
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
        }
    }

    @Test func concurrentClaimsOfOneTaskGiveExactlyOneWinner() async throws {
        try await withTaskDatabase("race") { db throws in
            try db.insert("only")
            let workers = 20
            let startLine = StartLine(parties: workers)
            let results = ClaimResults()
            let group = DispatchGroup()
            let url = db.url
            let schema = db.schema
            for index in 0..<workers {
                group.enter()
                let thread = Thread {
                    defer { group.leave() }
                    // Each worker: its own connection, opened before the start line so that the claims overlap.
                    let connection = PostgresConnection(url: url, schema: schema, applicationName: "tryon-race-\(index)")
                    var ready = true
                    do { _ = try connection.query("SELECT 1") } catch {
                        results.add(.failure("connect: \(error)"))
                        ready = false
                    }
                    startLine.arriveAndWait()
                    guard ready else { return }
                    do {
                        let task = try TaskStore(connection: connection).claim(workerId: "w\(index)", leaseSeconds: 60)
                        results.add(.success(task.map { "\($0.id) \($0.leaseToken) \($0.attempt)" }))
                    } catch {
                        results.add(.failure("claim: \(error)"))
                    }
                }
                thread.start()
            }
            let finished = await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: group.wait(timeout: .now() + 60)) }
            }
            #expect(finished == .success, "the 20 claimers did not finish in 60 s")

            let all = results.values
            #expect(all.count == workers)
            var errors: [String] = []
            var winners: [String] = []
            for result in all {
                switch result {
                case .failure(let message): errors.append(message)
                case .success(let claim?): winners.append(claim)
                case .success(nil): break
                }
            }
            #expect(errors.isEmpty, "\(errors)")
            #expect(winners.count == 1, "\(winners)")
            let token = try db.value("lease_token", of: "only")
            #expect(winners.first == "only \(token ?? "?") 1")
            #expect(try db.value("attempt", of: "only") == "1")
            #expect(try db.value("status", of: "only") == "processing")
        }
    }

    @Test func taskWithRunAfterInTheFutureIsNotClaimed() async throws {
        try await withTaskDatabase("runafter") { db throws in
            try db.insert("later")
            try db.exec("UPDATE replicate_tasks SET run_after = now() + interval '1 hour' WHERE id = 'later'")
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
            try db.exec("UPDATE replicate_tasks SET run_after = now() - interval '1 second' WHERE id = 'later'")
            #expect(try db.claim().id == "later")
        }
    }

    @Test func tasksPastDeadlineOrOutOfAttemptsAreNotClaimed() async throws {
        try await withTaskDatabase("noclaim") { db throws in
            try db.insert("late", deadlineSeconds: -1)
            try db.insert("spent", maxAttempts: 2)
            try db.exec("UPDATE replicate_tasks SET attempt = 2 WHERE id = 'spent'")
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
        }
    }

    // MARK: - Fencing

    @Test func staleWorkersWritesAreRejectedAfterARescue() async throws {
        try await withTaskDatabase("fence") { db throws in
            try db.insert("t1", garments: 2)
            let stale = try db.claim(worker: "old-worker", lease: 1)
            #expect(stale.attempt == 1)

            // The old worker goes silent past its lease; a sweep rescues the task.
            try db.expireLease("t1")
            #expect(try db.holds("lease_expires_at < now()", for: "t1"))
            let otherStore = db.newStore()
            #expect(try otherStore.sweep() == TaskStore.SweepResult(rescued: 1, expired: 0))
            #expect(try db.value("status", of: "t1") == "pending")
            #expect(try db.value("lease_token", of: "t1") == nil)
            #expect(try db.value("rescue_count", of: "t1") == "1")
            #expect(try db.value("attempt", of: "t1") == "1")

            // Someone else claims it: a new fencing token.
            let fresh = try db.claim(worker: "new-worker", lease: 60, store: otherStore)
            #expect(fresh.id == "t1")
            #expect(fresh.attempt == 2)
            #expect(fresh.leaseToken != stale.leaseToken)

            // Every write of the stale worker is rejected and leaves the row untouched.
            let before = try db.snapshot("t1")
            #expect(try db.store.finish(stale, resultURL: "https://stale.test/result.png") == false)
            #expect(try db.store.renewLease(stale, seconds: 600) == false)
            #expect(try db.store.checkpointPrediction(stale, step: 0, predictionId: "stale-prediction") == false)
            #expect(try db.store.completeStep(stale, step: 0, outputURL: "https://stale.test/step.png") == false)
            #expect(try db.store.dropPrediction(stale, countsAsRetry: true) == false)
            #expect(
                try db.store.settle(stale, retryable: false, delaySeconds: 0, code: "stale", message: "stale", keepPrediction: false)
                    == nil)
            #expect(try db.store.snooze(stale, delaySeconds: 5, reason: "stale") == nil)
            #expect(try db.snapshot("t1") == before)
            #expect(try db.value("status", of: "t1") == "processing")
            #expect(try db.value("lease_token", of: "t1") == fresh.leaseToken)
            #expect(try db.value("locked_by", of: "t1") == "new-worker")
            #expect(try db.value("result_url", of: "t1") == nil)

            // The current holder finishes.
            #expect(try otherStore.finish(fresh, resultURL: "https://cdn.test/results/t1/step-2.png") == true)
            #expect(try db.value("status", of: "t1") == "completed")
            #expect(try db.value("result_url", of: "t1") == "https://cdn.test/results/t1/step-2.png")
            #expect(try db.value("lease_token", of: "t1") == nil)
            #expect(try db.value("lease_expires_at", of: "t1") == nil)
            #expect(try db.value("locked_by", of: "t1") == nil)
            #expect(try db.holds("completed_at IS NOT NULL", for: "t1"))
            let view = try #require(try db.store.status(taskId: "t1"))
            #expect(view.status == .completed)
            #expect(view.resultURL == "https://cdn.test/results/t1/step-2.png")
            #expect(view.currentStep == 2)

            // Finishing twice, or the stale worker after all, changes nothing.
            let done = try db.snapshot("t1")
            #expect(try otherStore.finish(fresh, resultURL: "https://cdn.test/other.png") == false)
            #expect(try db.store.finish(stale, resultURL: "https://stale.test/result.png") == false)
            #expect(try db.snapshot("t1") == done)
        }
    }

    @Test func renewLeaseExtendsIt() async throws {
        try await withTaskDatabase("renew") { db throws in
            try db.insert("t1")
            let task = try db.claim(lease: 5)
            #expect(try db.holds("lease_expires_at < now() + interval '10 seconds'", for: "t1"))
            #expect(try db.store.renewLease(task, seconds: 120) == true)
            #expect(try db.holds("lease_expires_at BETWEEN now() + interval '110 seconds' AND now() + interval '130 seconds'", for: "t1"))
            #expect(try db.value("status", of: "t1") == "processing")
        }
    }

    @Test func checkpointPredictionIsGuardedByStep() async throws {
        try await withTaskDatabase("checkpoint") { db throws in
            try db.insert("t1", garments: 2)
            let task = try db.claim()
            #expect(try db.store.checkpointPrediction(task, step: 1, predictionId: "pred-wrong-step") == false)
            #expect(try db.value("current_prediction_id", of: "t1") == nil)
            #expect(try db.store.checkpointPrediction(task, step: 0, predictionId: "pred-0") == true)
            #expect(try db.value("current_prediction_id", of: "t1") == "pred-0")
            #expect(try db.value("status", of: "t1") == "processing")
            #expect(try db.value("step", of: "t1") == "0")
        }
    }

    @Test func completeStepAdvancesAndClearsThePrediction() async throws {
        try await withTaskDatabase("step") { db throws in
            try db.insert("t1", garments: 2)
            let task = try db.claim()
            #expect(try db.store.checkpointPrediction(task, step: 0, predictionId: "pred-a") == true)
            // A failed prediction is dropped and counted.
            #expect(try db.store.dropPrediction(task, countsAsRetry: true) == true)
            #expect(try db.value("current_prediction_id", of: "t1") == nil)
            #expect(try db.value("prediction_retries", of: "t1") == "1")
            // A 404 drop does not count.
            #expect(try db.store.checkpointPrediction(task, step: 0, predictionId: "pred-b") == true)
            #expect(try db.store.dropPrediction(task, countsAsRetry: false) == true)
            #expect(try db.value("prediction_retries", of: "t1") == "1")
            #expect(try db.store.checkpointPrediction(task, step: 0, predictionId: "pred-c") == true)

            #expect(try db.store.completeStep(task, step: 0, outputURL: "https://cdn.test/t1/step-1.png") == true)
            #expect(try db.value("step", of: "t1") == "1")
            #expect(try db.value("intermediate_url", of: "t1") == "https://cdn.test/t1/step-1.png")
            #expect(try db.value("current_prediction_id", of: "t1") == nil)
            #expect(try db.value("prediction_retries", of: "t1") == "0")
            #expect(try db.value("status", of: "t1") == "processing")
            let view = try #require(try db.store.status(taskId: "t1"))
            #expect(view.step == 1)
            #expect(view.currentStep == 2)

            // The same step again (a duplicate write) is refused; so is a checkpoint for the old step.
            #expect(try db.store.completeStep(task, step: 0, outputURL: "https://cdn.test/dup.png") == false)
            #expect(try db.store.checkpointPrediction(task, step: 0, predictionId: "pred-late") == false)
            #expect(try db.value("intermediate_url", of: "t1") == "https://cdn.test/t1/step-1.png")
            #expect(try db.value("current_prediction_id", of: "t1") == nil)

            #expect(try db.store.checkpointPrediction(task, step: 1, predictionId: "pred-d") == true)
            #expect(try db.store.completeStep(task, step: 1, outputURL: "https://cdn.test/t1/step-2.png") == true)
            #expect(try db.value("step", of: "t1") == "2")
            #expect(try db.store.finish(task, resultURL: "https://cdn.test/t1/step-2.png") == true)
            #expect(try db.store.status(taskId: "t1")?.status == .completed)
            #expect(try db.store.status(taskId: "t1")?.currentStep == 2)
        }
    }

    // MARK: - Sweep

    @Test func sweepRescuesAnExpiredLeaseAndKeepsThePrediction() async throws {
        try await withTaskDatabase("rescue") { db throws in
            try db.insert("dead")
            try db.insert("alive")
            let dead = try db.claim(worker: "crashed")
            let alive = try db.claim(worker: "healthy")
            #expect(dead.id == "dead")
            #expect(alive.id == "alive")
            #expect(try db.store.checkpointPrediction(dead, step: 0, predictionId: "pred-keep") == true)
            try db.expireLease("dead")

            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 1, expired: 0))
            #expect(try db.value("status", of: "dead") == "pending")
            #expect(try db.value("current_prediction_id", of: "dead") == "pred-keep")
            #expect(try db.value("lease_token", of: "dead") == nil)
            #expect(try db.value("lease_expires_at", of: "dead") == nil)
            #expect(try db.value("locked_by", of: "dead") == nil)
            #expect(try db.value("rescue_count", of: "dead") == "1")
            #expect(try db.value("attempt", of: "dead") == "1")
            #expect(try db.value("completed_at", of: "dead") == nil)
            #expect(try db.value("error_code", of: "dead") == nil)
            #expect(try db.holds("run_after <= now()", for: "dead"))
            #expect(try db.value("attempt_log -> -1 ->> 'code'", of: "dead") == "lease_expired")
            #expect(try db.value("attempt_log -> -1 ->> 'by'", of: "dead") == "crashed")
            // The live lease is untouched.
            #expect(try db.value("status", of: "alive") == "processing")
            #expect(try db.value("lease_token", of: "alive") == alive.leaseToken)

            // The next claimant resumes the same prediction.
            let resumed = try db.claim(worker: "next")
            #expect(resumed.id == "dead")
            #expect(resumed.currentPredictionId == "pred-keep")
            #expect(resumed.attempt == 2)
            // A second sweep finds nothing.
            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 0, expired: 0))
        }
    }

    @Test func sweepFailsAnExpiredTaskPastItsDeadline() async throws {
        try await withTaskDatabase("deadline") { db throws in
            try db.insert("t1")
            _ = try db.claim()
            try db.exec(
                "UPDATE replicate_tasks SET lease_expires_at = now() - interval '1 second', deadline_at = now() - interval '1 second' WHERE id = 't1'")
            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 1, expired: 0))
            #expect(try db.value("status", of: "t1") == "failed")
            #expect(try db.value("error_code", of: "t1") == "deadline_exceeded")
            #expect(try db.value("error_message", of: "t1") == "The try-on took longer than its deadline")
            #expect(try db.holds("completed_at IS NOT NULL", for: "t1"))
            #expect(try db.value("lease_token", of: "t1") == nil)
            let view = try #require(try db.store.status(taskId: "t1"))
            #expect(view.status == .failed)
            #expect(view.errorMessage == "The try-on took longer than its deadline")
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
        }
    }

    @Test func sweepFailsAnExpiredTaskOutOfAttempts() async throws {
        try await withTaskDatabase("attempts") { db throws in
            try db.insert("t1", maxAttempts: 1)
            let task = try db.claim()
            #expect(task.attempt == 1)
            #expect(task.maxAttempts == 1)
            try db.expireLease("t1")
            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 1, expired: 0))
            #expect(try db.value("status", of: "t1") == "failed")
            #expect(try db.value("error_code", of: "t1") == "attempts_exhausted")
            #expect(try db.value("error_message", of: "t1") == "The worker stopped before finishing, too many times")
            #expect(try db.holds("completed_at IS NOT NULL", for: "t1"))
            #expect(try db.value("lease_token", of: "t1") == nil)
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
        }
    }

    @Test func sweepExpiresPendingTasksPastTheirDeadline() async throws {
        try await withTaskDatabase("expire") { db throws in
            try db.insert("old")
            try db.insert("fresh")
            try db.exec("UPDATE replicate_tasks SET deadline_at = now() - interval '1 second' WHERE id = 'old'")
            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 0, expired: 1))
            #expect(try db.value("status", of: "old") == "failed")
            #expect(try db.value("error_code", of: "old") == "deadline_exceeded")
            #expect(try db.value("error_message", of: "old") == "The try-on took longer than its deadline")
            #expect(try db.holds("completed_at IS NOT NULL", for: "old"))
            #expect(try db.value("status", of: "fresh") == "pending")
            #expect(try db.value("completed_at", of: "fresh") == nil)
            // Failed tasks are not expired again.
            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 0, expired: 0))
        }
    }

    // MARK: - Settle and snooze

    @Test func settleRetryableGoesBackToPendingLater() async throws {
        try await withTaskDatabase("settle-retry") { db throws in
            try db.insert("keep")
            try db.insert("drop")
            let keep = try db.claim()
            let drop = try db.claim()
            #expect(try db.store.checkpointPrediction(keep, step: 0, predictionId: "pred-keep") == true)
            #expect(try db.store.checkpointPrediction(drop, step: 0, predictionId: "pred-drop") == true)

            #expect(
                try db.store.settle(
                    keep, retryable: true, delaySeconds: 30, code: "replicate_error", message: "Replicate is unavailable: 503",
                    keepPrediction: true) == .pending)
            #expect(try db.value("status", of: "keep") == "pending")
            #expect(try db.value("attempt", of: "keep") == "1")
            #expect(try db.holds("run_after BETWEEN now() + interval '25 seconds' AND now() + interval '35 seconds'", for: "keep"))
            #expect(try db.value("error_code", of: "keep") == "replicate_error")
            #expect(try db.value("error_message", of: "keep") == "Replicate is unavailable: 503")
            #expect(try db.value("completed_at", of: "keep") == nil)
            #expect(try db.value("lease_token", of: "keep") == nil)
            #expect(try db.value("locked_by", of: "keep") == nil)
            #expect(try db.value("current_prediction_id", of: "keep") == "pred-keep")
            #expect(try db.value("attempt_log -> -1 ->> 'code'", of: "keep") == "replicate_error")

            #expect(
                try db.store.settle(
                    drop, retryable: true, delaySeconds: 30, code: "prediction_canceled", message: "canceled",
                    keepPrediction: false) == .pending)
            #expect(try db.value("current_prediction_id", of: "drop") == nil)

            // Not ready again until run_after.
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
            try db.exec("UPDATE replicate_tasks SET run_after = now() WHERE id = 'keep'")
            let again = try db.claim()
            #expect(again.id == "keep")
            #expect(again.attempt == 2)
            #expect(again.currentPredictionId == "pred-keep")
        }
    }

    @Test func settleNonRetryableFails() async throws {
        try await withTaskDatabase("settle-fail") { db throws in
            try db.insert("t1")
            let task = try db.claim()
            #expect(try db.store.checkpointPrediction(task, step: 0, predictionId: "pred-x") == true)
            let message = "Replicate rejected the input: garm_img is not an image"
            #expect(
                try db.store.settle(task, retryable: false, delaySeconds: 0, code: "invalid_input", message: message,
                                    keepPrediction: false) == .failed)
            #expect(try db.value("status", of: "t1") == "failed")
            #expect(try db.value("error_code", of: "t1") == "invalid_input")
            #expect(try db.value("error_message", of: "t1") == message)
            #expect(try db.holds("completed_at IS NOT NULL", for: "t1"))
            #expect(try db.value("lease_token", of: "t1") == nil)
            #expect(try db.value("current_prediction_id", of: "t1") == nil)
            let view = try #require(try db.store.status(taskId: "t1"))
            #expect(view.status == .failed)
            #expect(view.errorMessage == message)
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)
            #expect(try db.store.sweep() == TaskStore.SweepResult(rescued: 0, expired: 0))
        }
    }

    @Test func settleKeepsAtMost2000CharactersOfTheMessage() async throws {
        try await withTaskDatabase("settle-long") { db throws in
            try db.insert("t1")
            let task = try db.claim()
            let long = String(repeating: "ошибка ", count: 500)  // 3500 characters
            #expect(try db.store.settle(task, retryable: false, delaySeconds: 0, code: "x", message: long, keepPrediction: false) == .failed)
            #expect(try db.value("error_message", of: "t1") == String(long.prefix(2000)))
        }
    }

    @Test func settleRetryableFailsWhenAttemptsAreExhausted() async throws {
        try await withTaskDatabase("settle-spent") { db throws in
            try db.insert("t1", maxAttempts: 2)
            let first = try db.claim()
            #expect(try db.store.settle(first, retryable: true, delaySeconds: 0, code: "replicate_timeout", message: "slow", keepPrediction: true) == .pending)
            let second = try db.claim()
            #expect(second.attempt == 2)
            #expect(
                try db.store.settle(second, retryable: true, delaySeconds: 0, code: "replicate_timeout", message: "slow again",
                                    keepPrediction: true) == .failed)
            #expect(try db.value("status", of: "t1") == "failed")
            #expect(try db.value("error_code", of: "t1") == "replicate_timeout")
            #expect(try db.value("error_message", of: "t1") == "slow again")
            #expect(try db.holds("completed_at IS NOT NULL", for: "t1"))
            #expect(try db.value("attempt", of: "t1") == "2")
            #expect(try db.value("jsonb_array_length(attempt_log)", of: "t1") == "2")
        }
    }

    @Test func settleRetryableFailsWhenTheDelayPassesTheDeadline() async throws {
        try await withTaskDatabase("settle-late") { db throws in
            try db.insert("t1", deadlineSeconds: 60)
            let task = try db.claim()
            #expect(
                try db.store.settle(task, retryable: true, delaySeconds: 120, code: "replicate_error", message: "later",
                                    keepPrediction: true) == .failed)
            #expect(try db.value("status", of: "t1") == "failed")
            #expect(try db.holds("completed_at IS NOT NULL", for: "t1"))
        }
    }

    @Test func snoozeGivesTheAttemptBackAndKeepsThePrediction() async throws {
        try await withTaskDatabase("snooze") { db throws in
            try db.insert("t1", garments: 2)
            let task = try db.claim()
            #expect(task.attempt == 1)
            #expect(try db.store.checkpointPrediction(task, step: 0, predictionId: "pred-s") == true)
            #expect(try db.store.snooze(task, delaySeconds: 10, reason: "Replicate asked to wait (rate limited)") == .pending)
            #expect(try db.value("status", of: "t1") == "pending")
            #expect(try db.value("attempt", of: "t1") == "0")
            #expect(try db.value("current_prediction_id", of: "t1") == "pred-s")
            #expect(try db.holds("run_after BETWEEN now() + interval '8 seconds' AND now() + interval '12 seconds'", for: "t1"))
            #expect(try db.value("lease_token", of: "t1") == nil)
            #expect(try db.value("completed_at", of: "t1") == nil)
            #expect(try db.value("error_code", of: "t1") == nil)
            #expect(try db.value("error_message", of: "t1") == nil)
            #expect(try db.value("attempt_log -> -1 ->> 'code'", of: "t1") == "snoozed")
            #expect(try db.store.claim(workerId: "w", leaseSeconds: 30) == nil)

            try db.exec("UPDATE replicate_tasks SET run_after = now() WHERE id = 't1'")
            let again = try db.claim()
            #expect(again.attempt == 1)
            #expect(again.currentPredictionId == "pred-s")
        }
    }

    @Test func snoozePastTheDeadlineFails() async throws {
        try await withTaskDatabase("snooze-late") { db throws in
            try db.insert("t1", deadlineSeconds: 5)
            let task = try db.claim()
            #expect(try db.store.snooze(task, delaySeconds: 10, reason: "time ran short") == .failed)
            #expect(try db.value("status", of: "t1") == "failed")
            #expect(try db.value("error_code", of: "t1") == "deadline_exceeded")
            #expect(try db.value("error_message", of: "t1") == "The try-on took longer than its deadline")
            #expect(try db.holds("completed_at IS NOT NULL", for: "t1"))
            #expect(try db.value("lease_token", of: "t1") == nil)
        }
    }

    // MARK: - Summary

    @Test func queueSummaryCounts() async throws {
        try await withTaskDatabase("summary") { db throws in
            let empty = try db.store.queueSummary()
            #expect(empty.counts.isEmpty)
            #expect(empty.oldestPendingSeconds == nil)
            #expect(empty.rescued == 0)

            for id in ["t1", "t2", "t3", "t4", "t5"] { try db.insert(id) }
            let done = try db.claim()
            #expect(try db.store.finish(done, resultURL: "https://cdn.test/r.png") == true)
            let broken = try db.claim()
            #expect(try db.store.settle(broken, retryable: false, delaySeconds: 0, code: "x", message: "x", keepPrediction: false) == .failed)
            let crashed = try db.claim()
            try db.expireLease(crashed.id)
            #expect(try db.store.sweep().rescued == 1)
            _ = try db.claim()  // t4 held
            try db.exec("UPDATE replicate_tasks SET created_at = localtimestamp - interval '2 minutes' WHERE id = 't5'")

            let summary = try db.store.queueSummary()
            #expect(summary.counts == [.pending: 2, .processing: 1, .completed: 1, .failed: 1])
            #expect(summary.rescued == 1)
            let oldest = try #require(summary.oldestPendingSeconds)
            #expect(oldest >= 119 && oldest < 200)
        }
    }
}

/// The threads of the claim race wait here so that their claims start together.
final class StartLine: @unchecked Sendable {
    private let condition = NSCondition()
    private let parties: Int
    private var arrived = 0

    init(parties: Int) { self.parties = parties }

    func arriveAndWait() {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        if arrived >= parties {
            condition.broadcast()
        } else {
            while arrived < parties { _ = condition.wait(until: Date().addingTimeInterval(30)) }
        }
    }
}

final class ClaimResults: @unchecked Sendable {
    enum Result { case success(String?), failure(String) }
    private let lock = NSLock()
    private var stored: [Result] = []

    func add(_ result: Result) { lock.withLock { stored.append(result) } }
    var values: [Result] { lock.withLock { stored } }
}
