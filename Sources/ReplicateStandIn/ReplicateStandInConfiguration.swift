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
    /// Receives one line per request (`POST /v1/predictions -> 201`), or nil (default) for silence.
    public var log: (@Sendable (String) -> Void)?

    public init(host: String = "127.0.0.1", port: Int = 0, phaseDelayMilliseconds: Int = 1500,
                filesDirectory: String? = nil, idleTimeoutSeconds: Int = 30, maxBodyBytes: Int = 32 << 20,
                maxRecordedCalls: Int = 100_000, log: (@Sendable (String) -> Void)? = nil) {
        self.host = host
        self.port = port
        self.phaseDelayMilliseconds = phaseDelayMilliseconds
        self.filesDirectory = filesDirectory
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxBodyBytes = maxBodyBytes
        self.maxRecordedCalls = maxRecordedCalls
        self.log = log
    }
}
