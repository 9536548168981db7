/// The supervisor's decisions, as plain arithmetic on monotonic nanoseconds, so they are tested
/// without processes: how long to wait before respawning a worker that keeps dying, when a queued
/// request or a running invocation has run out of time, and whether a dead companion is restarted.
public struct SupervisionPolicy: Sendable, Equatable {
    /// Unexpected worker deaths within this window count towards a crash loop. Default 10 s.
    public var crashWindowNanoseconds: UInt64 = 10_000_000_000
    /// Deaths within the window that are respawned at once. Default 3.
    public var freeRestarts: Int = 3
    /// First back-off delay once past `freeRestarts`; doubles per further death. Default 100 ms.
    public var baseBackoffNanoseconds: UInt64 = 100_000_000
    /// The longest back-off. Default 5 s.
    public var maxBackoffNanoseconds: UInt64 = 5_000_000_000
    /// How long a stopping host waits for running invocations before killing them, beyond the
    /// longest function timeout. Default 2 s.
    public var drainGraceNanoseconds: UInt64 = 2_000_000_000
    /// How long past its timeout a worker that already began writing its answer may take to finish
    /// it before it is killed (its answer is then cut off). Default 2 s.
    public var responseGraceNanoseconds: UInt64 = 2_000_000_000
    /// A companion (nginx, the stand-in) that dies sooner than this after its start stops the host
    /// instead of being restarted: dying at once means a bad configuration or a port taken, and it
    /// would die again at once, in a loop. Default 2 s; 0 restarts every death.
    public var companionStartupNanoseconds: UInt64 = 2_000_000_000

    public init() {}

    /// Drops deaths older than the window from `deaths` (monotonic ns, oldest first).
    public func pruned(_ deaths: [UInt64], now: UInt64) -> [UInt64] {
        deaths.filter { now < $0 || now - $0 <= crashWindowNanoseconds }
    }

    /// The delay before respawning, given the unexpected deaths within the window (this one included).
    public func respawnDelay(recentDeaths: Int) -> UInt64 {
        guard recentDeaths > freeRestarts else { return 0 }
        let doublings = min(recentDeaths - freeRestarts - 1, 16)
        let delay = baseBackoffNanoseconds << UInt64(doublings)
        return min(delay, maxBackoffNanoseconds)
    }

    /// When an invocation dispatched at `start` times out.
    public func invocationDeadline(start: UInt64, timeoutSeconds: Double) -> UInt64 {
        start + UInt64(timeoutSeconds * 1_000_000_000)
    }

    /// What to do about a running invocation at `now`: nothing; take its answer (504) and kill the
    /// worker, when it is still computing past its timeout; or only kill the worker, when it began
    /// writing its own answer (it won that race) but is still writing long after the timeout.
    public func timeoutVerdict(writingAnswer: Bool, start: UInt64, timeoutSeconds: Double, now: UInt64) -> TimeoutVerdict {
        let deadline = invocationDeadline(start: start, timeoutSeconds: timeoutSeconds)
        if !writingAnswer { return deadline <= now ? .answerTimeout : .none }
        return deadline + responseGraceNanoseconds <= now ? .killUnanswered : .none
    }

    /// When a drain that began at `start` ends at the latest: the longest function timeout
    /// (`longestTimeoutSeconds`) plus `drainGraceNanoseconds`.
    public func drainDeadline(start: UInt64, longestTimeoutSeconds: Double) -> UInt64 {
        start + UInt64(longestTimeoutSeconds * 1e9) + drainGraceNanoseconds
    }

    /// When a request that arrived at `arrival` stops waiting for a worker and gets 429.
    public func queueDeadline(arrival: UInt64, queueTimeoutSeconds: Double) -> UInt64 {
        arrival + UInt64(queueTimeoutSeconds * 1_000_000_000)
    }

    /// Whether a new request must be refused at once: the queue is full (`maxQueue` waiting) or
    /// waiting is switched off (`queueTimeout` 0) and no worker is idle.
    public func refusesAtOnce(queued: Int, maxQueue: Int, queueTimeoutSeconds: Double, idleWorkers: Int) -> Bool {
        guard idleWorkers == 0 else { return false }
        return queued >= maxQueue || queueTimeoutSeconds <= 0
    }
}

/// See `SupervisionPolicy.timeoutVerdict`.
public enum TimeoutVerdict: Sendable, Equatable {
    case none, answerTimeout, killUnanswered
}

extension SupervisionPolicy {
    /// The pause after `consecutiveFailures` failed accepts in a row (out of descriptors: EMFILE,
    /// ENFILE; out of memory): 50 ms, doubling, at most 1 s. A failed accept leaves the connection
    /// waiting, so the listener stays readable: without a pause the loop would spin on it.
    public func acceptPause(consecutiveFailures: Int) -> UInt64 {
        guard consecutiveFailures > 0 else { return 0 }
        let doublings = UInt64(min(consecutiveFailures - 1, 16))
        return min(UInt64(50_000_000) << doublings, 1_000_000_000)
    }
}

/// Whether a listener is polled: closed for a pause after its `accept` failed, open again at
/// `resumeAt`. Pure; the master keeps one per listener.
public struct AcceptGate: Sendable, Equatable {
    /// When accepting resumes (monotonic ns); nil while open.
    public var resumeAt: UInt64?
    /// Failed accepts in a row (the next pause doubles); 0 after one succeeds.
    public var consecutiveFailures = 0

    public init() {}

    public func isOpen(now: UInt64) -> Bool { resumeAt.map { now >= $0 } ?? true }

    /// An accept failed at `now`: closes the gate and returns when it opens again.
    @discardableResult
    public mutating func failed(now: UInt64, policy: SupervisionPolicy) -> UInt64 {
        consecutiveFailures += 1
        let resume = now + policy.acceptPause(consecutiveFailures: consecutiveFailures)
        resumeAt = resume
        return resume
    }

    /// An accept succeeded, or found nothing waiting: the failures are over.
    public mutating func succeeded() {
        resumeAt = nil
        consecutiveFailures = 0
    }
}
