import Foundation
import Postgres

/// The live PostgreSQL the database tests use, whose URL is in `DATABASE_URL` (`make test` starts
/// one and exports it; by hand: `export DATABASE_URL=$(scripts/pg start .run/pg | tail -n 1)`).
/// Without it every such test fails loudly with ``MissingDatabase``, never skips.
public enum TestDatabase {
    public struct MissingDatabase: Error, CustomStringConvertible {
        public var description: String {
            "DATABASE_URL is not set: these tests need a live PostgreSQL. Run `make test`, or "
                + "`export DATABASE_URL=$(scripts/pg start .run/pg | tail -n 1)` before `swift test`."
        }
    }

    /// The URL of the test server.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw MissingDatabase()
        }
        return url
    }

    /// A fresh connection to the test server.
    public static func connect(
        schema: String? = nil, applicationName: String = "fnhost-tests", statementTimeoutMilliseconds: Int? = nil
    ) throws -> PostgresConnection {
        PostgresConnection(url: try url(), schema: schema, applicationName: applicationName,
                           statementTimeoutMilliseconds: statementTimeoutMilliseconds)
    }

    /// A schema name no other test uses: `<prefix>_<label>_<8 hex digits>`, e.g. `t_mig_order_1a2b3c4d`.
    public static func uniqueSchema(_ label: String, prefix: String = "t") -> String {
        "\(prefix)_\(label)_\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// Drops `schema` with everything inside (errors ignored: cleanup after a test).
    public static func drop(schema: String, on connection: PostgresConnection) {
        _ = try? connection.execute("DROP SCHEMA IF EXISTS " + PostgresIdentifier.quoted(schema) + " CASCADE")
    }

    /// Creates `schema` (unless `create` is false), runs `body`, then drops it with everything inside.
    public static func withSchema<T>(
        _ label: String, create: Bool = true, _ body: (String) throws -> T
    ) throws -> T {
        let schema = uniqueSchema(label)
        let admin = try connect()
        if create { try admin.execute("CREATE SCHEMA " + PostgresIdentifier.quoted(schema)) }
        defer { drop(schema: schema, on: admin) }
        return try body(schema)
    }

    /// Whether `schema.table` exists.
    public static func tableExists(_ db: PostgresConnection, _ schema: String, _ table: String) throws -> Bool {
        let rows = try db.query(
            "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2", [schema, table])
        return !rows.isEmpty
    }
}
