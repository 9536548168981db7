/// The host's timer leadership as the master sees it. The election reports every round trip that
/// proved this host's session holds the leader lock; the host leads only while the last proof is
/// younger than `validityNanoseconds`, and, after taking the lock, only once one validity has
/// passed since it got the lock. Pure: times are monotonic ns passed in.
///
/// Why two hosts never fire at once, however the previous leader's session ended (killed, cut
/// off, the server restarted): the previous leader's last proof was sent before its session
/// ended, which was before this host's session got the lock, so that proof expires no later than
/// one validity after this host heard it got the lock, and this host waits that long. Clocks on
/// different machines need only run at the same rate, not agree. The cost is one validity more
/// on every change of leader.
struct LeaderLease: Sendable, Equatable {
    /// How long one proof lets the host lead, ns.
    let validityNanoseconds: UInt64
    /// When the last proving round trip was sent (monotonic ns), nil when the lock is not held.
    private(set) var provenAt: UInt64?
    /// When leading may begin after taking the lock: one validity after the answer that gave it.
    private(set) var leadsFrom: UInt64?
    /// The leading host's name as last seen (this host's own when it holds the lock), nil when unknown.
    private(set) var leader: String?
    /// When the last round trip that reached the database was sent (monotonic ns), whoever leads.
    private(set) var reachedAt: UInt64?

    init(validityNanoseconds: UInt64) {
        self.validityNanoseconds = validityNanoseconds
    }

    /// A round trip sent at `sentAt`, answered at `answeredAt`, gave this host (`name`) the lock.
    mutating func acquired(sentAt: UInt64, answeredAt: UInt64, by name: String) {
        leadsFrom = answeredAt + validityNanoseconds
        proven(sentAt: sentAt, by: name)
    }

    /// A round trip sent at `sentAt` proved this host (`name`) still holds the lock.
    mutating func proven(sentAt: UInt64, by name: String) {
        provenAt = max(provenAt ?? 0, sentAt)
        reachedAt = max(reachedAt ?? 0, sentAt)
        leader = name
    }

    /// A round trip sent at `sentAt` found the lock held by another session (`leader`: its host's
    /// name, nil when none or unknown).
    mutating func heldElsewhere(by leader: String?, sentAt: UInt64) {
        provenAt = nil
        leadsFrom = nil
        reachedAt = max(reachedAt ?? 0, sentAt)
        self.leader = leader
    }

    /// The session is gone or the lock was given up: this host does not lead, and the leader is unknown.
    mutating func lost() {
        provenAt = nil
        leadsFrom = nil
        leader = nil
    }

    /// Whether the host has reached the shared database within the validity: a host that cannot
    /// reach it cannot serve the cluster's state, and its health says so (503) so the front takes it
    /// out. False until the first round trip.
    func reachesDatabase(now: UInt64) -> Bool {
        guard let reachedAt else { return false }
        return now < reachedAt + validityNanoseconds
    }

    /// Whether this host holds the lock (it may still be waiting out the previous leader's proof).
    var holdsLock: Bool { provenAt != nil }

    /// Whether this host may fire timers at `now`.
    func leads(now: UInt64) -> Bool {
        guard let provenAt, let leadsFrom else { return false }
        return now >= leadsFrom && now < provenAt + validityNanoseconds
    }
}
