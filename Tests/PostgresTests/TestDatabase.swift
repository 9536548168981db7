import Foundation
import Postgres
import Testing

/// Shared helpers for the live-database tests: they need a real PostgreSQL whose URL is in `DATABASE_URL`
/// (`export DATABASE_URL=$(scripts/pg start .run/pg | tail -n 1)`). Without it every such test fails loudly.
enum TestDatabase {
    struct MissingDatabase: Error, CustomStringConvertible {
        var description: String {
            "DATABASE_URL is not set: these tests need a live PostgreSQL. Run "
                + "`export DATABASE_URL=$(scripts/pg start .run/pg | tail -n 1)` first."
        }
    }

    /// The URL of the test server.
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw MissingDatabase()
        }
        return url
    }

    /// A fresh connection to the test server.
    static func connect(schema: String? = nil, statementTimeoutMilliseconds: Int? = nil) throws -> PostgresConnection {
        PostgresConnection(url: try url(), schema: schema, applicationName: "fnhost-tests",
                           statementTimeoutMilliseconds: statementTimeoutMilliseconds)
    }

    /// A schema name no other test uses, e.g. `t_mig_order_1a2b3c4d`.
    static func uniqueSchema(_ label: String) -> String {
        "t_\(label)_\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// Creates `schema` (unless `create` is false), runs `body`, then drops it with everything inside.
    static func withSchema<T>(
        _ label: String, create: Bool = true, _ body: (String) throws -> T
    ) throws -> T {
        let schema = uniqueSchema(label)
        let admin = try connect()
        if create { try admin.execute("CREATE SCHEMA " + PostgresIdentifier.quoted(schema)) }
        defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS " + PostgresIdentifier.quoted(schema) + " CASCADE") }
        return try body(schema)
    }

    /// Whether `schema.table` exists.
    static func tableExists(_ db: PostgresConnection, _ schema: String, _ table: String) throws -> Bool {
        let rows = try db.query(
            "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2", [schema, table])
        return !rows.isEmpty
    }
}

/// A throwaway folder of migration files.
final class MigrationFolder {
    let path: String

    init(_ files: [String: String]) throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("fnhost-migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: path + "/" + name)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
