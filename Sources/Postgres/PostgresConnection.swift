import CLibPQ

/// One libpq connection, owned by one worker (process or thread) and never shared.
///
/// Deliberately not `Sendable`: libpq forbids using a `PGconn` from two threads at once. Create one per worker and
/// keep it for the worker's life; it connects lazily on first use and heals itself between uses:
/// - broken (`PQstatus == CONNECTION_BAD`, a previous statement failed because the link died, or the link died
///   while idle: see ``linkLooksAlive(_:)``): it reconnects before the next statement. A statement that hit a
///   link dying under it is **not** retried (it may have run); its error has ``PostgresError/isConnectionProblem``
///   set, so the request answers 503. Reconnecting is a fresh
///   `PQconnectdbParams` after `PQfinish` rather than `PQreset`: same effect (a new server session, prepared
///   statements gone), but it re-reads nothing stale and re-installs the notice receiver explicitly.
/// - left inside a transaction (`PQtransactionStatus != PQTRANS_IDLE`) outside ``transaction(_:)``: rolled back
///   before the next statement. Open transactions with ``transaction(_:)``, never with a bare `BEGIN`.
///
/// Schema (`MAIN_DB_SCHEMA`): when `schema` is set, the connection is opened with
/// `options=-c search_path="<schema>",public`, a startup parameter that holds for the whole session without a `SET`
/// statement. We chose it over `SET search_path` because behind a transaction-mode pooler a plain `SET` sticks to
/// whichever server connection ran it and leaks to other clients, while a startup option travels with the client's
/// own login (if the pooler drops startup options, schema-qualify names or use `SET LOCAL` in each transaction,
/// as ``MigrationRunner`` does). The same caveat holds for prepared statements
/// (see ``queryPrepared(name:sql:params:)``).
public final class PostgresConnection: CustomStringConvertible {
    /// The schema put first on `search_path` (`MAIN_DB_SCHEMA`); `nil` keeps the server's default (`public`).
    public let schema: String?
    /// `application_name` sent unless the URL has one (shows in `pg_stat_activity`). Default `fnhost`.
    public let applicationName: String
    /// Server-side `statement_timeout` in milliseconds; `nil` (default) keeps the server's (usually none).
    /// Keep it below the function's own timeout so a stuck query fails before the worker is killed.
    public let statementTimeoutMilliseconds: Int?
    /// Receives the server's notices and warnings (`RAISE NOTICE`, "relation already exists, skipping", ...).
    /// `nil` (default) drops them: libpq's default would print them to stderr.
    public var noticeHandler: ((PostgresNotice) -> Void)?
    /// Fast dead-peer detection on both ends (see ``PostgresLiveness``); `nil` (default) keeps the
    /// operating system's (hours for an idle connection).
    public let liveness: PostgresLiveness?
    /// How many times the connection was (re)opened after the first connect; for logs and tests.
    public private(set) var reconnectCount = 0

    /// The connection string exactly as given; private so that it (and its password) can't leak by accident.
    private let url: String
    private var handle: OpaquePointer?
    private var everConnected = false
    /// Set when a statement failed on a link that has since died: reconnect before the next statement.
    var needsReconnect = false
    /// Prepared statement names (and their SQL) this server session knows; emptied on every (re)connect.
    var prepared: [String: String] = [:]
    /// Whether we are inside ``transaction(_:)``: the health check must not roll back our own transaction.
    var insideTransaction = false

    /// Stores the configuration; nothing is contacted until the first statement.
    /// - Parameters:
    ///   - url: a libpq connection string, URL (`postgresql://user:pass@/db?host=/socket/dir`) or key=value form.
    ///   - schema: `MAIN_DB_SCHEMA`; `nil` (default) for the server's default search_path.
    ///   - applicationName: default `fnhost`.
    ///   - statementTimeoutMilliseconds: default `nil` (no client-imposed limit).
    ///   - noticeHandler: default `nil` (notices are dropped).
    ///   - liveness: default `nil` (the operating system's keep-alive settings).
    public init(
        url: String, schema: String? = nil, applicationName: String = "fnhost",
        statementTimeoutMilliseconds: Int? = nil, noticeHandler: ((PostgresNotice) -> Void)? = nil,
        liveness: PostgresLiveness? = nil
    ) {
        self.liveness = liveness
        self.url = url
        self.schema = schema
        self.applicationName = applicationName
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.noticeHandler = noticeHandler
    }

    /// Reads `DATABASE_URL` (required) and `MAIN_DB_SCHEMA` (optional, empty = unset) from `environment`.
    /// `liveness` defaults to ``PostgresLiveness/init(idleSeconds:intervalSeconds:probes:userTimeoutMilliseconds:)``
    /// (a silent peer dropped within 5 s): a function's connection to a database across a network then notices a
    /// partition while idle, and is replaced before its next statement instead of failing it.
    /// - Throws: `.connectionFailed` when `DATABASE_URL` is missing or empty.
    public convenience init(
        environment: [String: String], applicationName: String = "fnhost", statementTimeoutMilliseconds: Int? = nil,
        liveness: PostgresLiveness? = PostgresLiveness()
    ) throws(PostgresError) {
        guard let url = environment["DATABASE_URL"], !url.isEmpty else {
            throw PostgresError(code: .connectionFailed, message: "DATABASE_URL is not set", context: "configure")
        }
        let schema = environment["MAIN_DB_SCHEMA"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(url: url, schema: schema, applicationName: applicationName,
                  statementTimeoutMilliseconds: statementTimeoutMilliseconds, liveness: liveness)
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// The target, password redacted: safe to log.
    public var redactedURL: String { ConnectionString.redacted(url) }

    /// `PostgresConnection(<redacted settings>)`: never shows the password.
    public var description: String { "PostgresConnection(\(redactedURL))" }

    /// The server process id of the current session, or `nil` when not connected.
    public var backendPID: Int32? {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return nil }
        return PQbackendPID(handle)
    }

    /// The open `PGconn`, if any, without health checks or connecting.
    var currentHandle: OpaquePointer? { handle }

    /// Closes the session now (it reopens lazily on the next statement).
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        prepared.removeAll()
        needsReconnect = false
    }

    /// A healthy `PGconn`: connects on first use, reconnects if broken, rolls back a transaction left open.
    /// Inside ``transaction(_:)`` a broken link is an error, never a silent reconnect (that would lose the BEGIN).
    func healthyHandle() throws(PostgresError) -> OpaquePointer {
        if let handle, !needsReconnect, PQstatus(handle) == CONNECTION_OK, insideTransaction || Self.linkLooksAlive(handle) {
            if !insideTransaction, PQtransactionStatus(handle) != PQTRANS_IDLE {
                try checked(handle, "roll back a transaction left open") { PQexec($0, "ROLLBACK") } read: { _ in () }
            }
            return handle
        }
        if insideTransaction {
            throw PostgresError(code: .connectionFailed, message: "connection lost inside a transaction",
                                context: "transaction on \(redactedURL)")
        }
        return try connect()
    }

    private func connect() throws(PostgresError) -> OpaquePointer {
        close()
        let settings = try ConnectionString.settings(
            for: url, schema: schema, applicationName: applicationName,
            statementTimeoutMilliseconds: statementTimeoutMilliseconds, liveness: liveness)
        let context = "connect to \(redactedURL)"
        let keywords = settings.map(\.keyword), values = settings.map(\.value)
        let opened = try CStringArray.with(keywords, terminated: true) { keywords throws(PostgresError) in
            try CStringArray.with(values, terminated: true) { values throws(PostgresError) in
                PQconnectdbParams(keywords, values, 0)  // 0: the values are already parsed, expand nothing
            }
        }
        guard let fresh = opened else {
            throw PostgresError(code: .connectionFailed, message: "out of memory", context: context)
        }
        guard PQstatus(fresh) == CONNECTION_OK else {
            let message = PostgresError.oneLine(PQerrorMessage(fresh).map { String(cString: $0) } ?? "")
            PQfinish(fresh)
            throw PostgresError(code: .connectionFailed, message: ConnectionString.scrub(message, from: url),
                                context: context)
        }
        installNoticeReceiver(on: fresh)
        Self.ensureCloseOnExec(fresh)
        if everConnected { reconnectCount += 1 }
        everConnected = true
        handle = fresh
        return fresh
    }

    /// The one checked path for every libpq call that yields a `PGresult`: runs `call`, turns a NULL or failed
    /// result into a ``PostgresError`` (message and SQLSTATE copied out), lets `read` copy what it needs, and always
    /// `PQclear`s. A failure that left the link dead marks the connection for reconnect.
    func checked<T>(
        _ handle: OpaquePointer, _ context: @autoclosure () -> String,
        _ call: (OpaquePointer) -> OpaquePointer?, read: (OpaquePointer) -> T
    ) throws(PostgresError) -> T {
        let result = call(handle)
        defer { PQclear(result) }
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            if let result { return read(result) }
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            break
        default:  // COPY and pipeline states: this wrapper never enters them, so the session is in an unknown state
            needsReconnect = true
            let name = PQresStatus(status).map { String(cString: $0) } ?? "unknown"
            throw PostgresError(code: .unexpectedResult, message: "unsupported result status \(name)",
                                context: context())
        }
        let broken = PQstatus(handle) == CONNECTION_BAD
        if broken { needsReconnect = true }
        func field(_ code: Character) -> String? {
            guard let result, let ascii = code.asciiValue else { return nil }
            return PQresultErrorField(result, Int32(ascii)).map { String(cString: $0) }
        }
        var message: String
        if let primary = field("M") {  // the server's fields: primary message, then detail and hint if any
            message = primary
            if let detail = field("D") { message += " (DETAIL: \(detail))" }
            if let hint = field("H") { message += " (HINT: \(hint))" }
        } else {  // a client-side failure: libpq's own text
            message = PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown libpq error"
        }
        let sqlState = field("C")
        throw PostgresError(
            code: broken && sqlState == nil ? .connectionFailed : .queryFailed,
            message: PostgresError.oneLine(message), sqlState: sqlState, context: context(),
            position: field("P").flatMap { Int($0) })
    }
}
