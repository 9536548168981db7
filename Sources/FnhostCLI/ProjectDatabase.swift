#if canImport(Glibc)
import Glibc
#endif
import FnhostProject
import Postgres

/// The database a project's functions get, made ready before any worker starts:
/// `DATABASE_URL` as given (shell or `.env`), else the embedded cluster (started through the
/// checkout's scripts/pg, as `make run` does); `MAIN_DB_SCHEMA` as given, else inferred from the
/// migrations' `t_p<digits>_<slug>.` qualifiers; those schemas created; the migrations applied with
/// ``MigrationRunner`` exactly as `fnhost migrate` applies them.
struct ProjectDatabase {
    /// The URL the functions use.
    var url: String
    /// Whether fnhost started (or found running) the embedded cluster for it: only then is the
    /// URL, with its generated local password, printed in full.
    var embedded: Bool
    /// `MAIN_DB_SCHEMA` in effect, and whether fnhost inferred it.
    var schema: String?
    var schemaInferred = false
    /// What the migrations did, nil when the project has none.
    var report: MigrationReport?

    /// Whether functions of this layout need a database: the migrations folder exists or a Python
    /// function reads `DATABASE_URL`.
    static func isNeeded(migrationsDirectory: String, readVariables: Set<String>) -> Bool {
        access(migrationsDirectory, F_OK) == 0 || readVariables.contains("DATABASE_URL")
    }

    /// The embedded cluster's `DATABASE_URL` in `<state dir>/pg`, started when it is not running.
    static func startEmbedded(stateDirectory: String) throws(ProjectError) -> String {
        let checkout = try FnhostCheckout.required(
            for: "The embedded PostgreSQL (DATABASE_URL is not set)", instead: "set DATABASE_URL in the shell or in the project's .env")
        return try EmbeddedDatabase(checkout: checkout, folder: stateDirectory + "/pg").start()
    }

    /// Resolves the URL (starting the embedded cluster when none is set), sets `DATABASE_URL` and
    /// an inferred `MAIN_DB_SCHEMA` in this process, creates the project schemas and migrates.
    /// - Throws: `.serviceFailed` when the database cannot be reached or a migration fails.
    static func prepare(migrationsDirectory: String, stateDirectory: String) throws(ProjectError) -> ProjectDatabase {
        var database: ProjectDatabase
        if let given = getenv("DATABASE_URL").map({ String(cString: $0) }), !given.isEmpty {
            database = ProjectDatabase(url: given, embedded: false)
        } else {
            database = ProjectDatabase(url: try startEmbedded(stateDirectory: stateDirectory), embedded: true)
            setenv("DATABASE_URL", database.url, 1)
        }
        try database.migrate(folder: migrationsDirectory)
        return database
    }

    /// Infers the schema (setting `MAIN_DB_SCHEMA` when unset), creates the project schemas and
    /// applies the migrations in `folder` (nothing when it does not exist).
    mutating func migrate(folder: String) throws(ProjectError) {
        let texts = Self.migrationTexts(folder)
        let inference = ProjectSchemaInference(migrations: texts)
        schema = getenv("MAIN_DB_SCHEMA").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        if schema == nil, let inferred = inference.mainSchema {
            schema = inferred
            schemaInferred = true
            setenv("MAIN_DB_SCHEMA", inferred, 1)
        }
        guard access(folder, F_OK) == 0 else { return }
        let connection = PostgresConnection(url: url, applicationName: "fnhost-migrate")
        defer { connection.close() }
        let report: MigrationReport
        do {
            for name in Set(inference.schemas + (schema.map { [$0] } ?? [])).sorted() {
                try connection.execute("CREATE SCHEMA IF NOT EXISTS " + PostgresIdentifier.quoted(name))
            }
            report = try MigrationRunner(folder: folder, schema: schema).run(on: connection)
        } catch {
            throw ProjectError(.serviceFailed, "cannot migrate \(folder) into the database (\(connection.redactedURL)): \(error.message)")
        }
        self.report = report
        if let failure = report.failure, case .failed(let message) = failure.outcome {
            throw ProjectError(.serviceFailed, "the migrations in \(folder) failed: \(message); later files were not applied")
        }
    }

    /// Lines for the start banner: the URL (in full only when it is the embedded cluster's), the
    /// schema and what the migrations did.
    var summaryLines: [String] {
        var lines: [String] = []
        if embedded {
            lines.append("  database: the embedded PostgreSQL")
            lines.append("    DATABASE_URL=\(url)")
            lines.append("    psql \"\(url)\"")
        } else {
            lines.append("  database: DATABASE_URL as given (\(ConnectionString.redacted(url)))")
        }
        if let schema { lines.append("    MAIN_DB_SCHEMA=\(schema)\(schemaInferred ? " (inferred from the migrations)" : "")") }
        if let report {
            let applied = report.entries.filter { $0.outcome == .applied }.count
            let already = report.entries.filter { $0.outcome == .alreadyApplied }.count
            lines.append("    migrations: \(applied) applied now, \(already) already applied")
        }
        return lines
    }

    /// The texts of the folder's migration files in application order (empty when there are none).
    static func migrationTexts(_ folder: String) -> [String] {
        guard access(folder, F_OK) == 0, let (files, _) = try? MigrationFile.scan(folder: folder) else { return [] }
        return files.compactMap { file in (try? file.contents()).map { String(decoding: $0, as: UTF8.self) } }
    }
}
