
/// Applies Flyway-named migrations (`V<NNNN>__<snake_case>.sql`) from a folder, forward-only.
///
/// - Order: version, then file name; duplicate versions are fine (the history is keyed by file name).
/// - History: `<schema>.fnhost_schema_history(file_name TEXT PRIMARY KEY, version INT, checksum TEXT,
///   applied_at TIMESTAMPTZ DEFAULT now(), duration_ms INT)`, created on first run. `checksum` is the SHA-256 hex of
///   the statements the file runs, comments left out (``MigrationChecksum``); an earlier form of it is rewritten.
/// - Each file runs in its own transaction together with its history row, with
///   `search_path = <schema>, public` set by `set_config(..., is_local => true)` (transaction-scoped, so nothing
///   leaks to the session or through a pooler). Files must not contain `BEGIN`/`COMMIT` or statements that refuse
///   to run in a transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`): they are reported as failed.
/// - Stops at the first problem: a failing file is rolled back and reported with its name and the server's
///   message; an applied file whose statements changed is refused. Later files are reported as skipped, not applied.
///
/// Concurrency: a **transaction-scoped** advisory lock, `pg_advisory_xact_lock(6712936, hashtext(<schema>))`,
/// is taken first inside each file's transaction (and the setup's). We chose it over a session lock because it
/// needs no session state, so it also works through a transaction-mode pooler, and it is released by COMMIT/ROLLBACK
/// or a dropped connection, never leaked. A second concurrent `migrate` waits on the lock, then (under READ
/// COMMITTED, which we set explicitly) sees the first one's history row and reports `alreadyApplied`.
public struct MigrationRunner: Sendable {
    /// Name of the history table, created in the target schema.
    public static let historyTable = "fnhost_schema_history"
    /// First key of the advisory lock (`'fnh'` in ASCII); the second is `hashtext(<schema>)`.
    public static let lockClass: Int32 = 0x66_6E_68

    /// The folder holding the `.sql` files (e.g. `db_migrations`).
    public var folder: String
    /// The target schema (`MAIN_DB_SCHEMA`), created if missing; `nil` (default) means `public`.
    public var schema: String?

    public init(folder: String, schema: String? = nil) {
        self.folder = folder
        self.schema = schema.flatMap { $0.isEmpty ? nil : $0 }
    }

    private var targetSchema: String { schema ?? "public" }

    /// Applies every pending migration and reports on every folder entry.
    /// - Throws: ``PostgresError`` only when the run cannot start: the folder can't be listed, the database can't be
    ///   reached, or the schema/history table can't be created. Per-file problems are in the report instead.
    public func run(on db: PostgresConnection) throws(PostgresError) -> MigrationReport {
        let (files, skipped) = try MigrationFile.scan(folder: folder)
        let history = try PostgresIdentifier.quoted(targetSchema) + "." + Self.historyTable
        try inTransaction(db) { () throws(PostgresError) in try prepareSchema(db, history: history) }
        var entries: [MigrationReport.Entry] = []
        var failedFile: String?
        for file in files {
            if let failedFile {
                entries.append(.init(fileName: file.fileName, version: file.version,
                                     outcome: .skipped("not attempted: \(failedFile) failed before it")))
                continue
            }
            let start = ContinuousClock.now
            do {
                let outcome = try apply(file, on: db, history: history, start: start)
                entries.append(.init(fileName: file.fileName, version: file.version, outcome: outcome,
                                     durationMilliseconds: outcome == .applied ? milliseconds(since: start) : nil))
            } catch {
                failedFile = file.fileName
                let message = error.code == .migrationFailed ? error.message
                    : "\(file.fileName) failed and was rolled back: \(error.message)"
                        + (error.position.flatMap { lineNumber(in: file, characterPosition: $0) }
                            .map { " (line \($0))" } ?? "")
                        + (error.sqlState.map { " [SQLSTATE \($0)]" } ?? "")
                entries.append(.init(fileName: file.fileName, version: file.version, outcome: .failed(message)))
            }
        }
        for (fileName, reason) in skipped {
            entries.append(.init(fileName: fileName, version: nil, outcome: .skipped(reason)))
        }
        return MigrationReport(entries: entries)
    }

    /// Creates the schema (only when missing, so a role without CREATE on the database still works once it
    /// exists) and the history table.
    private func prepareSchema(_ db: PostgresConnection, history: String) throws(PostgresError) {
        if try db.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [targetSchema]).isEmpty {
            try db.execute("CREATE SCHEMA " + PostgresIdentifier.quoted(targetSchema))
        }
        if try db.query("SELECT to_regclass($1) AS found", [history]).first?["found"] == nil {
            try db.execute("""
                CREATE TABLE \(history) (
                    file_name TEXT PRIMARY KEY, version INT, checksum TEXT,
                    applied_at TIMESTAMPTZ DEFAULT now(), duration_ms INT)
                """)
        }
    }

    /// One file in one transaction: lock, check history, run the file, record it.
    private func apply(
        _ file: MigrationFile, on db: PostgresConnection, history: String, start: ContinuousClock.Instant
    ) throws(PostgresError) -> MigrationReport.Outcome {
        let bytes = try file.contents()
        let checksum = MigrationChecksum(bytes: bytes)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PostgresError(code: .migrationFailed, message: "\(file.fileName) is not valid UTF-8",
                                context: "read migration")
        }
        return try inTransaction(db) { () throws(PostgresError) -> MigrationReport.Outcome in
            try db.query("SELECT set_config('search_path', $1, true)", [searchPath()])
            let applied = try db.query("SELECT checksum FROM \(history) WHERE file_name = $1", [file.fileName])
            if let row = applied.first {
                let recorded = row["checksum"] ?? "NULL"
                switch checksum.verdict(recorded: recorded) {
                case .same:
                    break
                case .rewrite:
                    try db.execute("UPDATE \(history) SET checksum = $1 WHERE file_name = $2",
                                   [checksum.statements, file.fileName])
                case .edited:
                    throw PostgresError(
                        code: .migrationFailed,
                        message: "\(file.fileName) was edited after it was applied (recorded checksum \(recorded), "
                            + "file now \(checksum.statements)); refusing to continue: restore it and add a new migration",
                        context: "verify checksum")
                }
                return .alreadyApplied
            }
            try db.simpleExec(text)
            guard db.transactionState == .inTransaction else {
                throw PostgresError(
                    code: .migrationFailed,
                    message: "\(file.fileName) ended the transaction itself (COMMIT/ROLLBACK/END inside the file); "
                        + "statements before that may be committed without a history row: remove them",
                    context: "apply migration")
            }
            try db.execute(
                "INSERT INTO \(history) (file_name, version, checksum, duration_ms) VALUES ($1, $2, $3, $4)",
                [file.fileName, String(file.version), checksum.statements, String(milliseconds(since: start))])
            return .applied
        }
    }

    /// `<quoted schema>, public`, as a value (the server quotes the identifier).
    private func searchPath() -> String {
        targetSchema == "public" ? "public" : "\"" + targetSchema.replacing("\"", with: "\"\"") + "\", public"
    }

    /// A READ COMMITTED transaction holding the migration advisory lock, around `body`.
    private func inTransaction<T>(
        _ db: PostgresConnection, _ body: () throws(PostgresError) -> T
    ) throws(PostgresError) -> T {
        do {
            return try db.transaction {
                try db.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                try db.query("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))",
                             [String(Self.lockClass), targetSchema])
                return try body()
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(code: .migrationFailed, message: "\(error)", context: "migration transaction")
        }
    }

    /// The 1-based line of a server error position (a 1-based character index into the file's text).
    private func lineNumber(in file: MigrationFile, characterPosition: Int) -> Int? {
        guard let bytes = try? file.contents(), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text.unicodeScalars.prefix(max(0, characterPosition - 1)).count(where: { $0 == "\n" }) + 1
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = start.duration(to: .now).components
        return Int(elapsed.seconds) * 1000 + Int(elapsed.attoseconds / 1_000_000_000_000_000)
    }
}
