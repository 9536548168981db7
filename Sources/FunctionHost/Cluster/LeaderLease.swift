/// The host's timer leadership as the master sees it. The election reports every round trip that
/// proved this host's session still holds the leader lock; the host leads only while the last proof
/// is younger than `validityNanoseconds`. Pure: times are monotonic ns passed in.
///
/// Why a partitioned leader stops before another host can start: the proof's clock starts when
/// the round trip was sent, before the server last heard from this host, and the server drops a
/// silent session (releasing its lock) no sooner than its keep-alive detection allows
/// (`PostgresLiveness.earliestDetectionMilliseconds`). Keeping the validity shorter than that keeps
/// two leaders from overlapping whatever the network does; `TimerElectionSettings` checks it.
struct LeaderLease: Sendable, Equatable {
    /// How long one proof lets the host lead, ns.
    let validityNanoseconds: UInt64
    /// When the last proving round trip was sent (monotonic ns), nil when the lock is not held.
    private(set) var provenAt: UInt64?
    /// The leading host's name as last seen (this host's own when it leads), nil when unknown.
    private(set) var leader: String?
    /// When the last round trip that reached the database was sent (monotonic ns), whoever leads.
    private(set) var reachedAt: UInt64?

    init(validityNanoseconds: UInt64) {
        self.validityNanoseconds = validityNanoseconds
    }

    /// A round trip sent at `sentAt` proved this host (`name`) holds the lock.
    mutating func proven(sentAt: UInt64, by name: String) {
        provenAt = max(provenAt ?? 0, sentAt)
        reachedAt = max(reachedAt ?? 0, sentAt)
        leader = name
    }

    /// A round trip sent at `sentAt` found the lock held by another session (`leader`: its host's
    /// name, nil when none or unknown).
    mutating func heldElsewhere(by leader: String?, sentAt: UInt64) {
        provenAt = nil
        reachedAt = max(reachedAt ?? 0, sentAt)
        self.leader = leader
    }

    /// The session is gone or the lock was given up: this host does not lead, and the leader is unknown.
    mutating func lost() {
        provenAt = nil
        leader = nil
    }

    /// Whether the host has reached the shared database within the validity: a host that cannot
    /// reach it cannot serve the cluster's state, and its health says so (503) so the front takes it
    /// out. False until the first round trip.
    func reachesDatabase(now: UInt64) -> Bool {
        guard let reachedAt else { return false }
        return now < reachedAt + validityNanoseconds
    }

    /// Whether this host may fire timers at `now`.
    func leads(now: UInt64) -> Bool {
        guard let provenAt else { return false }
        return now < provenAt + validityNanoseconds
    }
}
