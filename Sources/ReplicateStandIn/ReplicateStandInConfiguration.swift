/// Settings of one stand-in server. Every field has a default suitable for tests.
public struct ReplicateStandInConfiguration: Sendable {
    /// IPv4 literal to listen on. Default `127.0.0.1` (loopback only; nothing else is intended).
    public var host: String
    /// TCP port; 0 (default) lets the kernel choose, read it back from ``ReplicateStandInServer/port``.
    public var port: Int
    /// Length of each scripted phase (`starting`, then `processing`) in milliseconds.
    /// Default 1500; 0 makes the first GET already see `succeeded`.
    public var phaseDelayMilliseconds: Int
    /// Folder where output PNGs are also written as `<id>.png` (created if missing); nil (default)
    /// keeps them in memory only. Files found there are served too, so outputs survive a restart.
    public var filesDirectory: String?
    /// Seconds a connection may sit idle (or stall mid-request) before it is closed. Default 30.
    public var idleTimeoutSeconds: Int
    /// Largest request body accepted, in bytes (data-URI images are big). Default 32 MiB; beyond it 413.
    public var maxBodyBytes: Int
    /// Most calls kept in the call log; older ones are dropped first. Default 100,000.
    public var maxRecordedCalls: Int
    /// Each prediction's phase delay is `phaseDelayMilliseconds ± uniform(0, this)` milliseconds,
    /// never below 0, for benchmarks that should not see every prediction end in lockstep.
    /// Default 0 (no jitter).
    public var delayJitterMilliseconds: Int
    /// The webhook signing secret, `whsec_<base64 of the key>`, returned by
    /// `GET /v1/webhooks/default/secret` and used to sign every delivery. Nil (default): a random
    /// one (32 random bytes) per server, as a real account's secret is unknown until asked for.
    /// ``ReplicateStandInServer/init(configuration:)`` refuses a malformed one.
    public var webhookSecret: String?
    /// Attempts per webhook delivery, the first included, before giving up. Default 6 (about
    /// 31 s of retrying with the default base delay). Values below 1 count as 1.
    public var webhookAttempts: Int
    /// Base retry delay in milliseconds: attempt n + 1 starts `base · 2^(n−1)` after attempt n
    /// failed (1 s, 2 s, 4 s, 8 s … by default 1000). Tests use a few milliseconds.
    public var webhookRetryMilliseconds: Int
    /// Sender threads delivering webhooks in parallel, so one slow receiver does not hold up the
    /// others. Default 4.
    public var webhookSenders: Int
    /// Receives one line per request (`POST /v1/predictions -> 201`), or nil (default) for silence.
    public var log: (@Sendable (String) -> Void)?

    public init(host: String = "127.0.0.1", port: Int = 0, phaseDelayMilliseconds: Int = 1500,
                filesDirectory: String? = nil, idleTimeoutSeconds: Int = 30, maxBodyBytes: Int = 32 << 20,
                maxRecordedCalls: Int = 100_000, delayJitterMilliseconds: Int = 0, webhookSecret: String? = nil,
                webhookAttempts: Int = 6, webhookRetryMilliseconds: Int = 1000, webhookSenders: Int = 4,
                log: (@Sendable (String) -> Void)? = nil) {
        self.host = host
        self.port = port
        self.phaseDelayMilliseconds = phaseDelayMilliseconds
        self.filesDirectory = filesDirectory
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxBodyBytes = maxBodyBytes
        self.maxRecordedCalls = maxRecordedCalls
        self.delayJitterMilliseconds = delayJitterMilliseconds
        self.webhookSecret = webhookSecret
        self.webhookAttempts = webhookAttempts
        self.webhookRetryMilliseconds = webhookRetryMilliseconds
        self.webhookSenders = webhookSenders
        self.log = log
    }
}
