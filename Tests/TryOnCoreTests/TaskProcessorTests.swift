import FnhostTestSupport
import FunctionRuntime
import Testing
@testable import TryOnCore

/// `TaskProcessor`'s decisions, one claimed task at a time, on an in-memory store and Replicate:
/// what it creates, reads and writes, in which order, and what it does when a call fails, the
/// lease is gone or the invocation's time runs short. Its clock and pauses are the test's own.
@Suite struct TaskProcessorTests {
    /// The processor with its fakes, a test clock (nanoseconds) and the pauses it asked for.
    final class Harness {
        let store = FakeTaskStore()
        let replicate = FakePredictionService()
        let storage: TemporaryFolder
        var settings: TryOnWorkerSettings
        var nanoseconds: UInt64 = 1_000_000_000
        var pauses: [Double] = []
        var secondsLeft: Int64 = 60

        static let webhookBase = "https://hooks.test/replicate-webhook"

        /// `environment` adds to (and overrides) the settings' variables.
        init(webhooks: Bool = false, environment: [String: String] = [:]) throws {
            storage = try TemporaryFolder("processor")
            settings = TryOnWorkerSettings(
                environment: [
                    "LEASE_SECONDS": "30", "WORKER_RESERVE_MS": "8000", "STORAGE_DIR": storage.path,
                    "STORAGE_PUBLIC_URL": "https://results.test", "REPLICATE_WEBHOOK_URL": webhooks ? Self.webhookBase : "off",
                ].merging(environment) { _, new in new })
        }

        func advance(seconds: Double) { nanoseconds += UInt64(seconds * 1e9) }

        func processor() -> TaskProcessor {
            let context = Context(
                requestId: "r-1", functionName: "replicate-async-worker",
                deadlineMilliseconds: FunctionRuntime.Clock.epochMilliseconds() + secondsLeft * 1000)
            var processor = TaskProcessor(store: store, replicate: replicate, settings: settings, context: context)
            processor.monotonicNanoseconds = { [unowned self] in nanoseconds }
            processor.pause = { [unowned self] in
                pauses.append($0)
                advance(seconds: $0)
            }
            processor.jitter = { 0 }
            return processor
        }

        func start(_ task: ClaimedTask) -> TaskProcessor.Outcome {
            var processor = processor()
            return processor.start(task)
        }

        /// Where the processor stores step `step`'s output of `task-1` (a PNG).
        func resultURL(step: Int) -> String { "https://results.test/task-1/step-\(step + 1).png" }
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 16)

    static func task(
        garments: Int = 1, step: Int = 0, prediction: String? = nil, intermediate: String? = nil, retries: Int = 0
    ) -> ClaimedTask {
        ClaimedTask(
            id: "task-1", leaseToken: "token-1", personImage: Samples.person, garments: (0..<garments).map(Samples.garment),
            promptHints: nil, step: step, totalSteps: garments, currentPredictionId: prediction, intermediateURL: intermediate,
            attempt: 1, maxAttempts: 5, predictionRetries: retries, deadlineEpochSeconds: 4_102_444_800)
    }

    // MARK: - Creating and parking

    @Test func aNewTaskCreatesItsPredictionAndParksWithoutWaitingForIt() throws {
        let harness = try Harness()
        harness.replicate.creates = [.success(.running("p1"))]
        let outcome = harness.start(Self.task())
        #expect(outcome.status == "waiting")
        #expect(outcome.stepsDone == 0)
        #expect(harness.replicate.created == [.init(humanImage: Samples.person, garmentImage: Samples.garment(0).image, webhook: nil)])
        // The id is checkpointed in the write that parks the task; then a completion recorded meanwhile is looked for.
        #expect(harness.store.calls == [.park(step: 0, predictionId: "p1", checkAfterSeconds: 3), .recordedCompletion(predictionId: "p1")])
        #expect(harness.replicate.read.isEmpty, "nothing waits for the prediction to run")
    }

    @Test func withWebhooksTheCreateNamesTheTaskAndStepAndTheTimerChecksOnlyAsAFallback() throws {
        let harness = try Harness(webhooks: true)
        harness.replicate.creates = [.success(.running("p1"))]
        #expect(harness.start(Self.task()).status == "waiting")
        let webhook = WebhookTag.url(Harness.webhookBase, taskId: "task-1", step: 0)
        #expect(harness.replicate.created.map(\.webhook) == [webhook])
        #expect(harness.store.writeCalls == [.park(step: 0, predictionId: "p1", checkAfterSeconds: 30)])
    }

    @Test func aCompletionRecordedBeforeTheParkLandedIsTakenOnAtOnce() throws {
        let harness = try Harness(webhooks: true)
        harness.replicate.creates = [.success(.running("p1"))]
        harness.replicate.downloads = [.success(Self.png)]
        harness.store.recorded["p1"] = .succeeded("p1")
        harness.store.claimable["p1"] = Self.task(prediction: "p1")
        let outcome = harness.start(Self.task())
        #expect(outcome.status == "completed")
        #expect(outcome.stepsDone == 1)
        #expect(harness.replicate.read.isEmpty, "the recorded completion is used as it is")
        #expect(harness.replicate.downloaded == ["https://replicate.test/p1.png"])
        #expect(
            harness.store.writeCalls == [
                .park(step: 0, predictionId: "p1", checkAfterSeconds: 30),
                .completeStep(step: 0, outputURL: harness.resultURL(step: 0)), .finish(resultURL: harness.resultURL(step: 0)),
            ])
    }

    // MARK: - Resuming from a checkpoint

    @Test func aTaskClaimedWithItsPredictionCheckpointedReadsItInsteadOfCreatingAnother() throws {
        let harness = try Harness()
        let intermediate = harness.resultURL(step: 0)
        harness.replicate.gets = [.success(.succeeded("p2"))]
        harness.replicate.downloads = [.success(Self.png)]
        let outcome = harness.start(Self.task(garments: 2, step: 1, prediction: "p2", intermediate: intermediate))
        #expect(outcome.status == "completed")
        #expect(outcome.stepsDone == 2)
        #expect(harness.replicate.created.isEmpty, "no second prediction billed for the step")
        #expect(harness.replicate.read == ["p2"])
        #expect(
            harness.store.writeCalls == [
                .completeStep(step: 1, outputURL: harness.resultURL(step: 1)), .finish(resultURL: harness.resultURL(step: 1)),
            ])
    }

    @Test func aCheckpointedPredictionStillRunningIsWaitedForAgain() throws {
        let harness = try Harness()
        harness.replicate.gets = [.success(.running("p1"))]
        #expect(harness.start(Self.task(prediction: "p1")).status == "waiting")
        #expect(harness.replicate.created.isEmpty)
        #expect(harness.store.writeCalls == [.park(step: 0, predictionId: "p1", checkAfterSeconds: 3)])
    }

    @Test func theNextStepStartsFromThePreviousStepsCopy() throws {
        let harness = try Harness()
        let intermediate = harness.resultURL(step: 0)
        harness.replicate.creates = [.success(.running("p2"))]
        #expect(harness.start(Self.task(garments: 2, step: 1, intermediate: intermediate)).status == "waiting")
        #expect(harness.replicate.created.map(\.humanImage) == [intermediate])
        #expect(harness.replicate.created.map(\.garmentImage) == [Samples.garment(1).image])
    }

    @Test func aReportedEndIsUsedWithoutReadingThePredictionAgain() throws {
        let harness = try Harness()
        harness.replicate.downloads = [.success(Self.png)]
        var processor = harness.processor()
        let outcome = processor.advance(Self.task(prediction: "p1"), ended: .succeeded("p1"))
        #expect(outcome.status == "completed")
        #expect(harness.replicate.read.isEmpty)
    }

    @Test func aPredictionReplicateNoLongerKnowsIsCreatedAgain() throws {
        let harness = try Harness()
        harness.replicate.gets = [.failure(ReplicateFailure(.notFound, "gone", status: 404))]
        harness.replicate.creates = [.success(.running("p2"))]
        #expect(harness.start(Self.task(prediction: "p1")).status == "waiting")
        #expect(
            harness.store.writeCalls == [
                .dropPrediction(countsAsRetry: false), .park(step: 0, predictionId: "p2", checkAfterSeconds: 3),
            ])
    }

    // MARK: - Retrying

    @Test func transientReadFailuresAreRetriedInTheSameCallAfterShortPauses() throws {
        let harness = try Harness()
        harness.replicate.gets = [
            .failure(ReplicateFailure(.server, "502", status: 502)), .failure(ReplicateFailure(.timeout, "slow")),
            .success(.succeeded("p1")),
        ]
        harness.replicate.downloads = [.success(Self.png)]
        let outcome = harness.start(Self.task(prediction: "p1"))
        #expect(outcome.status == "completed")
        #expect(harness.replicate.read == ["p1", "p1", "p1"])
        let policy = RetryPolicy()
        #expect(harness.pauses == [policy.inCallBackoff(tries: 0, jitter: 0), policy.inCallBackoff(tries: 1, jitter: 0)])
    }

    @Test func readsThatKeepFailingGiveTheTaskBackForALaterAttempt() throws {
        let harness = try Harness()
        harness.replicate.gets = Array(repeating: .failure(ReplicateFailure(.network, "refused")), count: 5)
        let outcome = harness.start(Self.task(prediction: "p1"))
        #expect(outcome.status == "pending")
        #expect(harness.replicate.read.count == RetryPolicy().inCallRetries + 1)
        #expect(harness.pauses.count == RetryPolicy().inCallRetries)
        let settled = try #require(harness.store.writeCalls.last)
        #expect(settled == .settle(retryable: true, delaySeconds: RetryPolicy().backoff(attempt: 1, jitter: 0), code: "replicate_unreachable", keepPrediction: true))
    }

    @Test func aFailedCreateIsRetriedLaterKeepingAPredictionItsWebhookMayAdopt() throws {
        let harness = try Harness()
        harness.replicate.creates = [.failure(ReplicateFailure(.server, "500", status: 500))]
        #expect(harness.start(Self.task()).status == "pending")
        #expect(harness.pauses.isEmpty, "a create is never retried at once: it may have created a prediction")
        #expect(
            harness.store.writeCalls == [
                .settle(retryable: true, delaySeconds: RetryPolicy().backoff(attempt: 1, jitter: 0), code: "replicate_error", keepPrediction: true)
            ])
    }

    @Test func aFailedPredictionIsReplacedOnceThenFailsTheTask() throws {
        let harness = try Harness()
        harness.replicate.gets = [.success(.failed("p1"))]
        harness.replicate.creates = [.success(.running("p2"))]
        #expect(harness.start(Self.task(prediction: "p1")).status == "waiting")
        #expect(
            harness.store.writeCalls == [
                .dropPrediction(countsAsRetry: true), .park(step: 0, predictionId: "p2", checkAfterSeconds: 3),
            ])

        let again = try Harness()
        again.replicate.gets = [.success(.failed("p2"))]
        #expect(again.start(Self.task(prediction: "p2", retries: 1)).status == "failed")
        #expect(again.replicate.created.isEmpty)
        #expect(again.store.writeCalls == [.settle(retryable: false, delaySeconds: 0, code: "prediction_failed", keepPrediction: false)])
    }

    @Test func aRefusedTokenFailsTheTaskForGood() throws {
        let harness = try Harness()
        harness.replicate.creates = [.failure(ReplicateFailure(.unauthorized, "401", status: 401))]
        #expect(harness.start(Self.task()).status == "failed")
        #expect(harness.store.writeCalls == [.settle(retryable: false, delaySeconds: 0, code: "replicate_auth", keepPrediction: false)])
    }

    // MARK: - Snoozing

    @Test func aRateLimitedCreateSnoozesWithoutUsingAnAttempt() throws {
        let harness = try Harness()
        harness.replicate.creates = [.failure(ReplicateFailure(.rateLimited, "429", status: 429, retryAfterSeconds: 12))]
        let outcome = harness.start(Self.task())
        #expect(outcome.status == "pending")
        #expect(harness.store.writeCalls == [.snooze(delaySeconds: 12)])
    }

    @Test func whenTheInvocationsTimeIsShortTheTaskIsGivenBackUntouched() throws {
        let harness = try Harness()
        harness.secondsLeft = 5  // under the 8 s reserve
        let outcome = harness.start(Self.task())
        #expect(outcome.status == "pending")
        #expect(harness.replicate.created.isEmpty, "no prediction is created that could not be checkpointed in time")
        #expect(harness.store.writeCalls == [.snooze(delaySeconds: 0)])
    }

    // MARK: - The lease

    @Test func aLostLeaseStopsTheCallWithoutAnotherWrite() throws {
        let harness = try Harness()
        harness.replicate.creates = [.success(.running("p1"))]
        harness.store.leaseLostFromWrite = 0
        let outcome = harness.start(Self.task())
        #expect(outcome.status == "lease_lost")
        #expect(harness.store.calls == [.park(step: 0, predictionId: "p1", checkAfterSeconds: 3)], "nothing after the refused park")

        let later = try Harness()
        later.replicate.gets = [.success(.succeeded("p1"))]
        later.replicate.downloads = [.success(Self.png)]
        later.store.leaseLostFromWrite = 0
        #expect(later.start(Self.task(prediction: "p1")).status == "lease_lost")
        #expect(later.store.writeCalls == [.completeStep(step: 0, outputURL: later.resultURL(step: 0))], "no finish after a refused step")
    }

    @Test func theLeaseIsRenewedOnceAThirdOfItHasPassed() throws {
        // Within the first second of a claim no renewal is needed, even before a long call.
        let quick = try Harness()
        quick.replicate.gets = [.success(.succeeded("p1"))]
        quick.replicate.downloads = [.success(Self.png)]
        #expect(quick.start(Self.task(prediction: "p1")).status == "completed")
        #expect(!quick.store.calls.contains(.renewLease))

        // A read that took 11 s of a 30 s lease: renewed before the download.
        let slow = try Harness()
        slow.replicate.gets = [.success(.succeeded("p1"))]
        slow.replicate.downloads = [.success(Self.png)]
        slow.replicate.duringGet = { [unowned slow] in slow.advance(seconds: 11) }
        #expect(slow.start(Self.task(prediction: "p1")).status == "completed")
        #expect(
            slow.store.writeCalls == [
                .renewLease, .completeStep(step: 0, outputURL: slow.resultURL(step: 0)), .finish(resultURL: slow.resultURL(step: 0)),
            ])
    }

    @Test func aRefusedRenewalIsALostLease() throws {
        let harness = try Harness()
        harness.replicate.gets = [.success(.succeeded("p1"))]
        harness.replicate.duringGet = { [unowned harness] in harness.advance(seconds: 11) }
        harness.store.leaseLostFromWrite = 0
        #expect(harness.start(Self.task(prediction: "p1")).status == "lease_lost")
        #expect(harness.replicate.downloaded.isEmpty, "no download for a task that is no longer ours")
        #expect(harness.store.writeCalls == [.renewLease])
    }
}
