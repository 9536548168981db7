#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Postgres

/// `fnhost migrate`: applies `db_migrations/V<NNNN>__<name>.sql` to `DATABASE_URL` (Flyway naming,
/// version order, one transaction per file, checksums of the statements; an applied file whose statements
/// changed is refused).
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply database migrations (V<NNNN>__<name>.sql) to DATABASE_URL, in MAIN_DB_SCHEMA when set.")

    @Option(help: "The folder with the migration files.") var folder: String = "db_migrations"
    @Option(name: .customLong("database-url"), help: "Connection URL (default: $DATABASE_URL).") var databaseURL: String?

    func run() throws {
        var environment: [String: String] = [:]
        for name in ["DATABASE_URL", "MAIN_DB_SCHEMA"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        if let databaseURL { environment["DATABASE_URL"] = databaseURL }
        let connection = try PostgresConnection(environment: environment, applicationName: "fnhost-migrate")
        let runner = MigrationRunner(folder: folder, schema: connection.schema)
        let report = try runner.run(on: connection)
        for entry in report.entries { print(entry.description) }
        if let failure = report.failure {
            Paths.printToStandardError("migrate: \(failure.fileName) failed; later files were not applied\n")
            throw ExitCode(1)
        }
    }
}
