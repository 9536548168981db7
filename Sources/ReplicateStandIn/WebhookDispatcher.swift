import Glibc

/// The stand-in's only background work: a scheduler thread and a few sender threads that run
/// webhook jobs when they fall due.
///
/// Everything else in the stand-in is computed lazily from elapsed time, but a webhook has to be
/// *sent* at a moment nobody asks about, so jobs (closures) are pushed with the instant they are
/// due. The scheduler thread sleeps on a condition variable until the earliest job is due (or a
/// new job or ``stop()`` wakes it), then moves due jobs to a ready list; `senderCount` sender
/// threads take jobs off that list one at a time, each with its own ``WebhookPoster``, so one slow
/// receiver (up to the 10 s delivery timeout) holds up only its own sender.
///
/// ``stop()`` drops every pending job, wakes all threads, joins the scheduler and waits up to a
/// second for the senders; a sender still inside a POST after that is detached and ends when the
/// POST returns, without taking another job. Jobs check ``isStopping`` before sending, so nothing
/// new goes out after `stop()` returns.
final class WebhookDispatcher: Sendable {
    /// One unit of work; runs on a sender thread with that thread's poster.
    typealias Job = @Sendable (WebhookPoster) -> Void

    private struct Queue {
        var pending = DueQueue<Job>()
        var ready: [Job] = []
        var readyHead = 0
        var stopping = false
        var scheduler: pthread_t?
        var senders: [pthread_t] = []
        /// Indices into `senders` of threads that have returned (and may be joined).
        var finished: Set<Int> = []

        var hasReady: Bool { readyHead < ready.count }

        mutating func takeReady() -> Job {
            let job = ready[readyHead]
            readyHead += 1
            if readyHead > 64, readyHead * 2 > ready.count {
                ready.removeFirst(readyHead)
                readyHead = 0
            }
            return job
        }
    }

    /// How many sender threads ``start()`` makes (at least 1).
    let senderCount: Int
    private let queue = ConditionLock(Queue())
    private let log: (@Sendable (String) -> Void)?

    /// - Parameters:
    ///   - senderCount: sender threads; default 4 (so up to four slow receivers are waited on at once).
    ///   - log: receives a line when a thread cannot be started; nil for silence.
    init(senderCount: Int = 4, log: (@Sendable (String) -> Void)? = nil) {
        self.senderCount = max(1, senderCount)
        self.log = log
    }

    /// True once ``stop()`` was called.
    var isStopping: Bool { queue.withLock { $0.stopping } }

    /// Starts the scheduler and sender threads. Jobs pushed before are kept and run once due.
    /// - Throws: ``StandInError`` `.thread` when no thread could be made (any made are stopped).
    func start() throws {
        do {
            let scheduler = try ThreadLauncher.spawn { [self] in runScheduler() }
            queue.withLock { $0.scheduler = scheduler }
            for index in 0..<senderCount {
                let sender = try ThreadLauncher.spawn { [self] in runSender(index) }
                queue.withLock { $0.senders.append(sender) }
            }
        } catch {
            stop()
            throw error
        }
    }

    /// Runs `job` on a sender thread at `due` (at once when it is already past). Ignored after ``stop()``.
    func schedule(at due: ContinuousClock.Instant, _ job: @escaping Job) {
        let accepted = queue.withLock { queue in
            guard !queue.stopping else { return false }
            queue.pending.push(job, due: due)
            return true
        }
        if accepted { queue.broadcast() }
    }

    /// Drops pending jobs and ends the threads (see the type's notes). Idempotent; returns within
    /// about a second.
    func stop() {
        let scheduler: pthread_t? = queue.withLock { queue in
            queue.stopping = true
            queue.pending.removeAll()
            queue.ready.removeAll()
            queue.readyHead = 0
            defer { queue.scheduler = nil }
            return queue.scheduler
        }
        queue.broadcast()
        if let scheduler { ThreadLauncher.join(scheduler) }
        let deadline = ContinuousClock.now.advanced(by: .seconds(1))
        let (joinable, stuck): ([pthread_t], [pthread_t]) = queue.withLock(waitingWhile: { queue in
            if queue.finished.count < queue.senders.count, ContinuousClock.now < deadline {
                return .wait(until: deadline)
            }
            var joinable: [pthread_t] = [], stuck: [pthread_t] = []
            for (index, thread) in queue.senders.enumerated() {
                if queue.finished.contains(index) { joinable.append(thread) } else { stuck.append(thread) }
            }
            queue.senders.removeAll()
            queue.finished.removeAll()
            return .done((joinable, stuck))
        })
        joinable.forEach(ThreadLauncher.join)
        for thread in stuck {
            log?("webhook sender still inside a delivery at stop; detached")
            pthread_detach(thread)
        }
    }

    private func runScheduler() {
        queue.withLock(waitingWhile: { queue in
            if queue.stopping { return .done(()) }
            let now = ContinuousClock.now
            var moved = false
            while let job = queue.pending.popDue(now: now) {
                queue.ready.append(job)
                moved = true
            }
            if moved { self.queue.broadcast() }
            return .wait(until: queue.pending.nextDue)
        })
    }

    private func runSender(_ index: Int) {
        let poster = WebhookPoster()
        while true {
            let job: Job? = queue.withLock(waitingWhile: { queue in
                if queue.stopping { return .done(nil) }
                if queue.hasReady { return .done(queue.takeReady()) }
                return .wait(until: nil)
            })
            guard let job else { break }
            job(poster)
        }
        queue.withLock { _ = $0.finished.insert(index) }
        queue.broadcast()
    }
}
