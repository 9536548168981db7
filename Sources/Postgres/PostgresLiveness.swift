/// How fast each end of a connection notices that the other is gone, when a network partition
/// leaves no FIN or RST to say so. Linux's defaults notice an idle dead peer after two hours; a
/// session that holds a lock others wait for (the timer leader's advisory lock) needs seconds.
///
/// The same numbers are applied on both ends: to libpq's socket (`keepalives_*`,
/// `tcp_user_timeout`) and, as `-c` startup options, to the server's socket for this session
/// (`tcp_keepalives_*`, `tcp_user_timeout`, settable by any role), so no server configuration is
/// needed. An idle peer is declared dead after `idleSeconds + intervalSeconds * probes`; unacknowledged
/// data after `userTimeoutMilliseconds`.
public struct PostgresLiveness: Sendable, Equatable {
    /// Seconds of silence before the first keep-alive probe. Default 2.
    public var idleSeconds: Int
    /// Seconds between unanswered probes. Default 1.
    public var intervalSeconds: Int
    /// Unanswered probes before the connection is dropped. Default 3.
    public var probes: Int
    /// Milliseconds sent data may stay unacknowledged before the connection is dropped. Default 5000.
    public var userTimeoutMilliseconds: Int

    public init(idleSeconds: Int = 2, intervalSeconds: Int = 1, probes: Int = 3, userTimeoutMilliseconds: Int = 5000) {
        self.idleSeconds = max(1, idleSeconds)
        self.intervalSeconds = max(1, intervalSeconds)
        self.probes = max(1, probes)
        self.userTimeoutMilliseconds = max(1, userTimeoutMilliseconds)
    }

    /// The shortest time after which either end may give up on a silent peer, milliseconds: the
    /// keep-alive detection or the user timeout, whichever is shorter.
    public var earliestDetectionMilliseconds: Int {
        min((idleSeconds + intervalSeconds * probes) * 1000, userTimeoutMilliseconds)
    }

    /// libpq's own keywords for the client's socket.
    var clientSettings: [(keyword: String, value: String)] {
        [
            ("keepalives", "1"), ("keepalives_idle", String(idleSeconds)), ("keepalives_interval", String(intervalSeconds)),
            ("keepalives_count", String(probes)), ("tcp_user_timeout", String(userTimeoutMilliseconds)),
        ]
    }

    /// The server's settings for this session's socket, as `-c` options.
    var serverOptions: [String] {
        [
            "-c tcp_keepalives_idle=\(idleSeconds)", "-c tcp_keepalives_interval=\(intervalSeconds)",
            "-c tcp_keepalives_count=\(probes)", "-c tcp_user_timeout=\(userTimeoutMilliseconds)",
        ]
    }
}
