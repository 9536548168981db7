import Postgres

/// How the hosts of a cluster choose the one that fires timers: every host keeps one PostgreSQL
/// session trying a session-level advisory lock; the session that holds it leads. Set
/// `HostOptions.timerElection` to turn it on (`fnhost serve --cluster`); nil: the host fires its
/// timers alone.
public struct TimerElectionSettings: Sendable {
    /// The database every host shares (`DATABASE_URL`).
    public var databaseURL: String
    /// `MAIN_DB_SCHEMA`: hosts of different apps sharing one database elect apart. Nil: `public`.
    public var schema: String?
    /// This host's name, shown to the others as the leader's (its session's `application_name` is
    /// `fnhost-timers:<name>`).
    public var hostName: String
    /// Seconds between round trips that prove the lock is still held (or try to take it). Default 1.
    public var heartbeatSeconds: Double
    /// Seconds one proof lets the host lead. Default 3; must stay below the dead-peer detection of
    /// `liveness` (5 s by default), or a partitioned leader could overlap the next.
    public var validitySeconds: Double
    /// Dead-peer detection on the election's session, both ends. Default `PostgresLiveness()`.
    public var liveness: PostgresLiveness

    public init(
        databaseURL: String, schema: String? = nil, hostName: String, heartbeatSeconds: Double = 1,
        validitySeconds: Double = 3, liveness: PostgresLiveness = PostgresLiveness()
    ) {
        self.databaseURL = databaseURL
        self.schema = schema
        self.hostName = hostName
        self.heartbeatSeconds = heartbeatSeconds
        self.validitySeconds = validitySeconds
        self.liveness = liveness
    }

    /// What is wrong with the numbers, or nil: the validity must outlast a heartbeat and end before
    /// the server can drop a silent session.
    public var problem: String? {
        guard heartbeatSeconds > 0, validitySeconds > heartbeatSeconds else {
            return "the leader's validity (\(validitySeconds) s) must be longer than its heartbeat (\(heartbeatSeconds) s)"
        }
        let detection = Double(liveness.earliestDetectionMilliseconds) / 1000
        guard validitySeconds < detection else {
            return "the leader's validity (\(validitySeconds) s) must be shorter than the dead-peer detection (\(detection) s)"
        }
        return nil
    }

    /// The advisory lock's two keys: fnhost's own, and one per schema.
    var lockKeys: (Int32, Int32) {
        var hash: UInt32 = 2_166_136_261
        for byte in (schema ?? "public").utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return (0x666E_6874, Int32(hash & 0x7FFF_FFFF))  // "fnht"; both non-negative, as pg_locks shows them as oids
    }

    /// The session's `application_name`, from which the other hosts read the leader's name.
    var applicationName: String { Self.applicationPrefix + hostName }
    static let applicationPrefix = "fnhost-timers:"
}
