import Testing
@testable import TryOnCore

/// Each row of job-queue-design §4.8 as `RetryPolicy` implements it.
@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy()
    typealias Decision = RetryPolicy.Decision

    static func failure(_ kind: ReplicateFailure.Kind, retryAfter: Double? = nil, message: String = "detail") -> ReplicateFailure {
        ReplicateFailure(kind, message, status: nil, retryAfterSeconds: retryAfter)
    }

    static func prediction(_ status: Prediction.Status, error: String? = nil) -> Prediction {
        Prediction(id: "p1", status: status, output: nil, error: error, completedAt: "2025-01-01T12:00:00Z")
    }

    @Test func defaults() {
        #expect(policy.maxRetryAfterSeconds == 60)
        #expect(policy.defaultRateLimitSeconds == 5)
        #expect(policy.inCallRetries == 4)
        #expect(policy.predictionRetries == 1)
    }

    // MARK: - 429

    @Test(arguments: [
        // (Retry-After, expected wait): absent → 5 s default; capped at 60; at least 1.
        (nil as Double?, 5.0), (2, 2), (30, 30), (60, 60), (61, 60), (3600, 60), (0, 1), (0.2, 1),
    ])
    func rateLimitedOnCreateSnoozes(retryAfter: Double?, wait: Double) {
        for tries in [0, 1, 10] {
            #expect(
                policy.decide(Self.failure(.rateLimited, retryAfter: retryAfter), phase: .create, tries: tries,
                              attempt: 1, jitter: 0.5)
                    == .snooze(seconds: wait))
        }
    }

    @Test(arguments: [(nil as Double?, 5.0), (1, 1), (3, 3), (5, 5), (0, 1)])
    func rateLimitedOnPollWithShortWaitRetriesInCall(retryAfter: Double?, wait: Double) {
        let failure = Self.failure(.rateLimited, retryAfter: retryAfter)
        for tries in 0..<4 {
            #expect(policy.decide(failure, phase: .poll, tries: tries, attempt: 1, jitter: 0.3) == .retryNow(afterSeconds: wait))
        }
        // Out of in-call retries: give the task back without using an attempt.
        #expect(policy.decide(failure, phase: .poll, tries: 4, attempt: 1, jitter: 0.3) == .snooze(seconds: wait))
    }

    @Test(arguments: [(5.5, 5.5), (6, 6), (60, 60), (120, 60)])
    func rateLimitedOnPollWithLongWaitSnoozes(retryAfter: Double, wait: Double) {
        #expect(
            policy.decide(Self.failure(.rateLimited, retryAfter: retryAfter), phase: .poll, tries: 0, attempt: 1, jitter: 0)
                == .snooze(seconds: wait))
    }

    // MARK: - 401 / 403, 400 / 422

    @Test(arguments: [RetryPolicy.Phase.create, .poll])
    func unauthorizedFailsWithReplicateAuth(phase: RetryPolicy.Phase) {
        for tries in [0, 3, 9] {
            #expect(
                policy.decide(Self.failure(.unauthorized), phase: phase, tries: tries, attempt: 1, jitter: 0)
                    == .fail(code: "replicate_auth", message: "Replicate refused the API token (check REPLICATE_API_TOKEN)"))
        }
    }

    @Test(arguments: [RetryPolicy.Phase.create, .poll])
    func invalidInputFailsWithTheDetail(phase: RetryPolicy.Phase) {
        let failure = Self.failure(.invalidInput, message: "input.steps: Must be less than or equal to 40")
        #expect(
            policy.decide(failure, phase: phase, tries: 0, attempt: 2, jitter: 0)
                == .fail(code: "invalid_input", message: "Replicate rejected the input: input.steps: Must be less than or equal to 40"))
    }

    @Test(arguments: [(400, ReplicateFailure.Kind.invalidInput), (422, .invalidInput), (401, .unauthorized),
                      (403, .unauthorized), (404, .notFound), (429, .rateLimited), (500, .server), (503, .server),
                      (599, .server), (418, .other), (302, .other)])
    func statusClassification(status: Int, kind: ReplicateFailure.Kind) {
        let failure = ReplicateFailure.fromStatus(status, detail: "d", retryAfter: nil)
        #expect(failure.kind == kind)
        #expect(failure.status == status)
        #expect(failure.message == "d")
    }

    @Test func retryAfterHeaderParsing() {
        #expect(ReplicateFailure.fromStatus(429, detail: "", retryAfter: " 12 ").retryAfterSeconds == 12)
        #expect(ReplicateFailure.fromStatus(429, detail: "", retryAfter: "1.5").retryAfterSeconds == 1.5)
        #expect(ReplicateFailure.fromStatus(429, detail: "", retryAfter: nil).retryAfterSeconds == nil)
        #expect(ReplicateFailure.fromStatus(429, detail: "", retryAfter: "soon").retryAfterSeconds == nil)
    }

    // MARK: - 404

    @Test func notFoundOnPollRecreatesThePrediction() {
        for tries in [0, 4, 9] {
            #expect(policy.decide(Self.failure(.notFound), phase: .poll, tries: tries, attempt: 1, jitter: 0) == .recreatePrediction)
        }
    }

    @Test func notFoundOnCreateRetriesLater() {
        #expect(
            policy.decide(Self.failure(.notFound, message: "no such version"), phase: .create, tries: 0, attempt: 1, jitter: 0)
                == .retryLater(
                    seconds: 1, code: "replicate_error", message: "Replicate is unavailable: no such version",
                    keepPrediction: true))
    }

    // MARK: - 5xx, timeout, network

    static let transient: [(ReplicateFailure.Kind, String)] = [
        (.server, "replicate_error"), (.timeout, "replicate_timeout"), (.network, "replicate_unreachable"),
        (.other, "replicate_error"),
    ]

    @Test(arguments: transient)
    func transientOnPollRetriesInCallWithGrowingBackoffThenLater(kind: ReplicateFailure.Kind, code: String) {
        let failure = Self.failure(kind, message: "HTTP 503")
        // jitter 0: 0.25, 0.5, 1, 2 s; every wait longer than the one before.
        var previous = 0.0
        for (tries, expected) in [0.25, 0.5, 1.0, 2.0].enumerated() {
            let decision = policy.decide(failure, phase: .poll, tries: tries, attempt: 1, jitter: 0)
            #expect(decision == .retryNow(afterSeconds: expected))
            #expect(expected > previous)
            previous = expected
        }
        // jitter ~1: 0.5, 1, 2, 4 s.
        for (tries, expected) in [0.5, 1.0, 2.0, 4.0].enumerated() {
            guard case .retryNow(let seconds) = policy.decide(failure, phase: .poll, tries: tries, attempt: 1, jitter: 0.9999) else {
                Issue.record("tries \(tries): expected retryNow")
                continue
            }
            #expect(abs(seconds - expected) < 0.001)
        }
        // After inCallRetries (4) the attempt ends; the prediction is kept for the next claim.
        for attempt in 1...5 {
            #expect(
                policy.decide(failure, phase: .poll, tries: 4, attempt: attempt, jitter: 0)
                    == .retryLater(
                        seconds: policy.backoff(attempt: attempt, jitter: 0), code: code,
                        message: "Replicate is unavailable: HTTP 503", keepPrediction: true))
        }
    }

    @Test(arguments: transient)
    func transientOnCreateRetriesLaterNeverNow(kind: ReplicateFailure.Kind, code: String) {
        let failure = Self.failure(kind, message: "connection reset")
        for tries in 0..<6 {
            for attempt in 1...5 {
                let decision = policy.decide(failure, phase: .create, tries: tries, attempt: attempt, jitter: 0.5)
                #expect(
                    decision
                        == .retryLater(
                            seconds: policy.backoff(attempt: attempt, jitter: 0.5), code: code,
                            message: "Replicate is unavailable: connection reset", keepPrediction: true))
                if case .retryNow = decision { Issue.record("a create must never be retried at once") }
            }
        }
    }

    @Test func inCallBackoffIsCappedAtFiveSeconds() {
        #expect(policy.inCallBackoff(tries: 3, jitter: 1) == 4)  // 0.5 * 2^3
        #expect(policy.inCallBackoff(tries: 4, jitter: 0) == 2.5)  // min(5, 8) * 0.5
        #expect(policy.inCallBackoff(tries: 4, jitter: 1) == 5)  // min(5, 8)
        #expect(policy.inCallBackoff(tries: 10, jitter: 1) == 5)
        #expect(policy.inCallBackoff(tries: 100, jitter: 1) == 5)
        #expect(policy.inCallBackoff(tries: -3, jitter: 0) == 0.25)
    }

    @Test func moreInCallRetriesWhenConfigured() {
        var patient = RetryPolicy()
        patient.inCallRetries = 6
        #expect(patient.decide(Self.failure(.server), phase: .poll, tries: 5, attempt: 1, jitter: 0) == .retryNow(afterSeconds: 5 * 0.5))
        guard case .retryLater = patient.decide(Self.failure(.server), phase: .poll, tries: 6, attempt: 1, jitter: 0) else {
            Issue.record("expected retryLater after 6 tries")
            return
        }
    }

    // MARK: - Predictions that ended without output

    @Test func failedPredictionIsRecreatedOnceThenFails() {
        let failed = Self.prediction(.failed, error: "CUDA out of memory")
        #expect(policy.decide(prediction: failed, retriesSoFar: 0, attempt: 1, jitter: 0) == .recreatePrediction)
        #expect(
            policy.decide(prediction: failed, retriesSoFar: 1, attempt: 1, jitter: 0)
                == .fail(code: "prediction_failed", message: "The model could not process the images: CUDA out of memory"))
        #expect(
            policy.decide(prediction: failed, retriesSoFar: 2, attempt: 3, jitter: 0.7)
                == .fail(code: "prediction_failed", message: "The model could not process the images: CUDA out of memory"))
        #expect(
            policy.decide(prediction: Self.prediction(.failed), retriesSoFar: 1, attempt: 1, jitter: 0)
                == .fail(code: "prediction_failed", message: "The model could not process the images: no reason given"))
    }

    @Test func unknownTerminalStatusIsTreatedAsFailed() {
        let odd = Self.prediction(.unknown("exploded"), error: "boom")
        #expect(policy.decide(prediction: odd, retriesSoFar: 0, attempt: 1, jitter: 0) == .recreatePrediction)
        #expect(
            policy.decide(prediction: odd, retriesSoFar: 1, attempt: 1, jitter: 0)
                == .fail(code: "prediction_failed", message: "The model could not process the images: boom"))
    }

    @Test(arguments: [Prediction.Status.canceled, .aborted])
    func canceledOrAbortedRetriesLater(status: Prediction.Status) {
        for retries in [0, 1, 5] {
            for attempt in [1, 3] {
                #expect(
                    policy.decide(prediction: Self.prediction(status), retriesSoFar: retries, attempt: attempt, jitter: 0)
                        == .retryLater(
                            seconds: policy.backoff(attempt: attempt, jitter: 0), code: "prediction_canceled",
                            message: "The prediction was canceled before it finished", keepPrediction: false))
            }
        }
    }

    // MARK: - Backoff between attempts

    @Test(arguments: [(1, 1.0, 2.0), (2, 2, 4), (3, 4, 8), (4, 8, 16), (5, 15, 30), (6, 15, 30), (40, 15, 30)])
    func backoffRanges(attempt: Int, low: Double, high: Double) {
        #expect(policy.backoff(attempt: attempt, jitter: 0) == low)
        #expect(abs(policy.backoff(attempt: attempt, jitter: 0.999_999) - high) < 0.001)
        #expect(policy.backoff(attempt: attempt, jitter: 1) == high)
        let middle = policy.backoff(attempt: attempt, jitter: 0.5)
        #expect(middle > low && middle < high)
        // Jitter outside [0, 1] is clamped.
        #expect(policy.backoff(attempt: attempt, jitter: -2) == low)
        #expect(policy.backoff(attempt: attempt, jitter: 7) == high)
    }

    @Test func backoffForAttemptZeroIsTheFirstRange() {
        #expect(policy.backoff(attempt: 0, jitter: 0) == 1)
        #expect(policy.backoff(attempt: -5, jitter: 1) == 2)
    }

    @Test func backoffGrowsWithTheAttempt() {
        let values = (1...5).map { policy.backoff(attempt: $0, jitter: 0.5) }
        #expect(values == values.sorted())
        #expect(Set(values).count == 5)
    }
}
