/// How the worker reacts to each thing that can go wrong with Replicate (job-queue-design §4.8).
/// Pure: the random jitter comes in as a parameter, so every decision is tested on its own.
public struct RetryPolicy: Sendable, Equatable {
    /// Longest wait honoured from a 429's `Retry-After`, seconds. Default 60.
    public var maxRetryAfterSeconds: Double = 60
    /// Wait after a 429 without `Retry-After`, seconds. Default 5.
    public var defaultRateLimitSeconds: Double = 5
    /// GET/download retries inside one invocation before giving the task back. Default 4.
    public var inCallRetries: Int = 4
    /// Failed predictions of one step that are retried with a new prediction. Default 1.
    public var predictionRetries: Int = 1

    public init() {}

    public enum Phase: Sendable, Equatable {
        /// Creating a prediction (not idempotent: a lost answer may have created one).
        case create
        /// Reading a prediction or downloading its output (idempotent).
        case poll
    }

    public enum Decision: Sendable, Equatable {
        /// Give the task back without using an attempt; try again after `seconds`.
        case snooze(seconds: Double)
        /// Try the same call again in this invocation after `seconds`.
        case retryNow(afterSeconds: Double)
        /// End this attempt; retry later (uses an attempt) unless attempts or deadline are exhausted.
        case retryLater(seconds: Double, code: String, message: String, keepPrediction: Bool)
        /// Forget the stored prediction and create a new one now.
        case recreatePrediction
        /// Fail the task for good.
        case fail(code: String, message: String)
    }

    /// A failed call. `tries` counts earlier retries of this call in this invocation; `attempt` is the
    /// task's attempt number; `jitter` is in [0, 1).
    public func decide(_ failure: ReplicateFailure, phase: Phase, tries: Int, attempt: Int, jitter: Double) -> Decision {
        switch failure.kind {
        case .rateLimited:
            let wait = min(maxRetryAfterSeconds, max(1, failure.retryAfterSeconds ?? defaultRateLimitSeconds))
            if phase == .poll, tries < inCallRetries, wait <= 5 { return .retryNow(afterSeconds: wait) }
            return .snooze(seconds: wait)
        case .unauthorized:
            return .fail(code: "replicate_auth", message: "Replicate refused the API token (check REPLICATE_API_TOKEN)")
        case .invalidInput:
            return .fail(code: "invalid_input", message: "Replicate rejected the input: \(failure.message)")
        case .notFound where phase == .poll:
            return .recreatePrediction
        case .server, .timeout, .network, .notFound, .other:
            if phase == .poll, tries < inCallRetries {
                return .retryNow(afterSeconds: inCallBackoff(tries: tries, jitter: jitter))
            }
            // A create whose answer was lost may have created a prediction: retry later rather than
            // at once, so its webhook's first event can adopt it meanwhile (the prediction is kept:
            // before a create the task has none, unless such an adoption recorded one).
            return .retryLater(
                seconds: backoff(attempt: attempt, jitter: jitter), code: code(for: failure),
                message: "Replicate is unavailable: \(failure.message)", keepPrediction: true)
        }
    }

    /// A prediction that ended without output.
    public func decide(prediction: Prediction, retriesSoFar: Int, attempt: Int, jitter: Double) -> Decision {
        switch prediction.status {
        case .canceled, .aborted:
            return .retryLater(
                seconds: backoff(attempt: attempt, jitter: jitter), code: "prediction_canceled",
                message: "The prediction was canceled before it finished", keepPrediction: false)
        default:
            let reason = prediction.error ?? "no reason given"
            if retriesSoFar < predictionRetries { return .recreatePrediction }
            return .fail(code: "prediction_failed", message: "The model could not process the images: \(reason)")
        }
    }

    /// Between attempts: min(30, 2 * 2^(attempt-1)) seconds, scaled by 0.5-1 (1-2, 2-4, 4-8, 8-16, 15-30 s).
    public func backoff(attempt: Int, jitter: Double) -> Double {
        let base = min(30, 2 * Double(1 << max(0, min(attempt - 1, 10))))
        return base * (0.5 + min(max(jitter, 0), 1) / 2)
    }

    /// Inside a call: 0.5 * 2^tries seconds capped at 5, scaled by 0.5-1.
    public func inCallBackoff(tries: Int, jitter: Double) -> Double {
        min(5, 0.5 * Double(1 << max(0, min(tries, 10)))) * (0.5 + min(max(jitter, 0), 1) / 2)
    }

    private func code(for failure: ReplicateFailure) -> String {
        switch failure.kind {
        case .timeout: "replicate_timeout"
        case .network: "replicate_unreachable"
        default: "replicate_error"
        }
    }
}
