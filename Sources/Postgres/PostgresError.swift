/// The one error type of the `Postgres` module.
///
/// Every libpq failure, every migration failure and every misuse of the API becomes a `PostgresError`. Its text is
/// copied out of libpq at once (it never points into a freed `PGresult`) and never contains a password: connection
/// strings are shown redacted (see ``ConnectionString/redacted(_:)``).
///
/// Map it to HTTP in one place: ``isConnectionProblem`` means "the database is unreachable right now" (answer 503 and
/// let the client retry); anything else from a request's statement is a 500 unless the caller recognises the
/// ``sqlState`` (for example `23505`, a unique violation, as 409).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. A struct of static values rather than an enum, so cases can be added later
    /// without breaking `switch`es in other modules.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// Connecting (or reconnecting) failed: bad URL, server down, authentication refused, timeout.
        public static let connectionFailed = Code("connectionFailed")
        /// The server rejected or failed a statement; see ``PostgresError/sqlState``.
        public static let queryFailed = Code("queryFailed")
        /// The server answered with something this wrapper does not handle (COPY, an empty query, ...).
        public static let unexpectedResult = Code("unexpectedResult")
        /// The caller passed something libpq cannot carry, such as a NUL character inside SQL or a parameter.
        public static let invalidArgument = Code("invalidArgument")
        /// COMMIT answered ROLLBACK: an earlier statement in the transaction failed and the error was swallowed.
        public static let transactionAborted = Code("transactionAborted")
        /// A migration file could not be read, failed, or was edited after it had been applied.
        public static let migrationFailed = Code("migrationFailed")

        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// A one-line human-readable message: the server's primary message with its DETAIL and HINT (result fields
    /// `'M'`, `'D'`, `'H'`), else libpq's `PQerrorMessage`, or ours.
    public var message: String
    /// The five-character SQLSTATE the server sent (result field `'C'`), e.g. `23505`; `nil` for client-side errors.
    public var sqlState: String?
    /// What we were doing, e.g. `query`, `prepare "claim_task"`, `connect to host=/run/pg dbname=app`.
    public var context: String

    /// Where in the SQL text the server located the error: a 1-based character index (field `'P'`), if it did.
    public var position: Int?

    public init(code: Code, message: String, sqlState: String? = nil, context: String = "", position: Int? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.context = context
        self.position = position
    }

    /// `true` when the database itself is (momentarily) unreachable rather than the statement being wrong:
    /// a failed connect, SQLSTATE class `08` (connection exception), or `57P01` admin shutdown, `57P02` crash
    /// shutdown, `57P03` cannot connect now. Callers answer these with 503.
    public var isConnectionProblem: Bool {
        if code == .connectionFailed { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }

    /// `true` for SQLSTATE `23505` (unique_violation).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        var text = "PostgresError.\(code)"
        if !context.isEmpty { text += " (\(context))" }
        text += ": \(message)"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text
    }
}

extension PostgresError {
    /// Trims libpq's trailing newline and collapses its multi-line messages (`ERROR:  x\nDETAIL: y`) to one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmed(of: " \t") }
            .filter { !$0.isEmpty }
            .joined(separator: " | ")
    }
}

extension StringProtocol {
    fileprivate func trimmed(of set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
