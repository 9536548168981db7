import Postgres

/// Reads the test stack's schema directly (row snapshots, counts).
public final class TaskDatabaseProbe {
    public let connection: PostgresConnection

    public init(_ stack: TryOnStack) throws {
        connection = PostgresConnection(url: stack.databaseURL, schema: stack.schema, applicationName: "tryon-probe")
    }

    /// The task's row as JSON text.
    public func row(_ taskId: String) throws -> String {
        try connection.query("SELECT row_to_json(t)::text AS j FROM replicate_tasks t WHERE id = $1", [taskId]).first?["j"] ?? ""
    }

    /// Makes the task's lease look expired, as if its worker had stalled past it.
    public func expireLease(_ taskId: String) throws {
        _ = try connection.execute(
            "UPDATE replicate_tasks SET lease_expires_at = now() - interval '1 second' WHERE id = $1 AND status = 'processing'",
            [taskId])
    }

    public func count(_ table: String) throws -> Int {
        Int(try connection.query("SELECT count(*) AS n FROM \(table)").first?["n"] ?? "") ?? -1
    }

    public func close() { connection.close() }
}
