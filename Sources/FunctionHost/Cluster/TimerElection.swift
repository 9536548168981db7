#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import Postgres
import Synchronization

/// The timer election's I/O: one background thread with one PostgreSQL session that takes the
/// leader lock when it is free (`pg_try_advisory_lock`, session level: released when the session
/// ends, however it ends) and proves every heartbeat that this very session still holds it, by
/// looking for its own pid in `pg_locks` (a silent reconnect would otherwise hold nothing). The
/// master asks `leads(now:)` before firing a tick; `LeaderLease` turns the proofs into that answer.
/// Never on the master's loop: a database that hangs costs the host its leadership, not its requests.
final class TimerElection: Sendable {
    /// What the thread reports, for the master's log (the log belongs to the master's thread).
    struct Report: Sendable {
        var event: String
        var details: [String: JSONValue]
    }

    private struct Shared {
        var lease: LeaderLease
        var reports: [Report] = []
        var releaseRequested = false
        var stopped = false
    }

    let settings: TimerElectionSettings
    private let shared: Mutex<Shared>

    init(settings: TimerElectionSettings) {
        self.settings = settings
        shared = Mutex(Shared(lease: LeaderLease(validityNanoseconds: UInt64(settings.validitySeconds * 1e9))))
    }

    /// Whether this host may fire timers now.
    func leads(now: UInt64) -> Bool { shared.withLock { $0.lease.leads(now: now) } }

    /// The leading host's name as last seen, nil when none or unknown.
    var leader: String? { shared.withLock { $0.lease.leader } }

    /// Whether the election's session reached the database recently (see `LeaderLease`).
    func reachesDatabase(now: UInt64) -> Bool { shared.withLock { $0.lease.reachesDatabase(now: now) } }

    /// The reports since the last call, oldest first.
    func takeReports() -> [Report] {
        shared.withLock { state in
            defer { state.reports.removeAll() }
            return state.reports
        }
    }

    /// Gives the lock up (the host drains): this host stops leading at once; the thread unlocks and
    /// ends its session within a heartbeat, so another host takes over without waiting for a timeout.
    func release() {
        shared.withLock { state in
            state.releaseRequested = true
            state.lease.lost()
        }
    }

    /// Whether the thread has ended after `release()`.
    var hasStopped: Bool { shared.withLock { $0.stopped } }

    /// Starts the thread (once).
    func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<TimerElection>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        if started == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<TimerElection>.fromOpaque(context).release()
        }
    }

    private func report(_ event: String, _ details: [String: JSONValue]) {
        shared.withLock { $0.reports.append(Report(event: event, details: details)) }
    }

    private func run() {
        let session = PostgresConnection(
            url: settings.databaseURL, schema: nil, applicationName: settings.applicationName,
            statementTimeoutMilliseconds: Int(settings.heartbeatSeconds * 2000), liveness: settings.liveness)
        let (classKey, objectKey) = settings.lockKeys
        let keys = [String(classKey), String(objectKey)]
        var holds = false
        var lastProblem: String?
        let heartbeat = UInt64(settings.heartbeatSeconds * 1e9)
        while !shared.withLock({ $0.releaseRequested }) {
            let sent = Clock.monotonicNanoseconds()
            do throws(PostgresError) {
                if holds {
                    // The lock is ours only if this session, by its pid, is still the one holding it.
                    let rows = try session.query(Self.ownLockSQL, keys)
                    guard rows.first?[0] == "t" else { throw PostgresError(code: .unexpectedResult, message: "the leader lock is no longer held by this session", context: "prove the timer lock") }
                    shared.withLock { $0.lease.proven(sentAt: sent, by: settings.hostName) }
                } else if try session.query("SELECT pg_try_advisory_lock($1::int, $2::int)", keys).first?[0] == "t" {
                    holds = true
                    shared.withLock { $0.lease.proven(sentAt: sent, by: settings.hostName) }
                    report("timer_leader", ["leader": .string(settings.hostName), "acquired": .bool(true)])
                } else {
                    let holder = try session.query(Self.holderSQL, keys + [SQLPattern.prefix(TimerElectionSettings.applicationPrefix)])
                        .first?[0].map { String($0.dropFirst(TimerElectionSettings.applicationPrefix.count)) }
                    let changed = shared.withLock { state -> Bool in
                        defer { state.lease.heldElsewhere(by: holder, sentAt: sent) }
                        return state.lease.leader != holder
                    }
                    if changed { report("timer_leader", ["leader": holder.map(JSONValue.string) ?? .null, "acquired": .bool(false)]) }
                }
                lastProblem = nil
            } catch {
                let wasLeader = holds
                holds = false
                session.close()
                shared.withLock { $0.lease.lost() }
                let problem = error.description
                if wasLeader || problem != lastProblem {
                    report("timer_leader_lost", ["error": .string(problem), "wasLeader": .bool(wasLeader)])
                }
                lastProblem = problem
            }
            // Sleep until the next heartbeat, waking early when asked to release.
            let wake = sent + heartbeat
            while Clock.monotonicNanoseconds() < wake, !shared.withLock({ $0.releaseRequested }) {
                usleep(useconds_t(min(100_000, (wake - min(wake, Clock.monotonicNanoseconds())) / 1000 + 1)))
            }
        }
        if holds { _ = try? session.query("SELECT pg_advisory_unlock($1::int, $2::int)", keys) }
        session.close()
        report("timer_leader_released", ["wasLeader": .bool(holds)])
        shared.withLock { $0.stopped = true }
    }

    /// Whether this session holds the lock (two-key advisory locks show as objsubid 2).
    static let ownLockSQL = """
        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
            AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2)
        """

    /// The application_name of the session holding the lock, if any.
    static let holderSQL = """
        SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid
            AND l.objid = $2::int::oid AND l.objsubid = 2 AND a.application_name LIKE $3
        """
}

/// A `LIKE` pattern matching text that starts with a literal prefix.
enum SQLPattern {
    static func prefix(_ literal: String) -> String {
        var escaped = ""
        for character in literal {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + "%"
    }
}
