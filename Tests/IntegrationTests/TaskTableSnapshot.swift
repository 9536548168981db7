import FnhostTestSupport
import Postgres

/// The whole `replicate_tasks` table of one test schema reduced to its row count and an MD5 of
/// every row's text (ordered by id), so "the database is unchanged" is one comparison.
struct TaskTableSnapshot: Equatable, CustomStringConvertible {
    var rows: Int
    var checksum: String

    static func take(databaseURL: String, schema: String) throws -> TaskTableSnapshot {
        let connection = PostgresConnection(url: databaseURL, schema: schema, applicationName: "fnhost-hostile-test")
        defer { connection.close() }
        let result = try connection.query(
            "SELECT count(*)::text, coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM replicate_tasks t")
        guard let row = result.first, let count = row[0].flatMap({ Int($0) }) else {
            throw StackError("the snapshot query returned nothing")
        }
        return TaskTableSnapshot(rows: count, checksum: row[1] ?? "")
    }

    /// Every row as text (all columns: error messages, attempt logs), for the secret checks.
    static func rowTexts(databaseURL: String, schema: String) throws -> [String] {
        let connection = PostgresConnection(url: databaseURL, schema: schema, applicationName: "fnhost-hostile-test")
        defer { connection.close() }
        return try connection.query("SELECT t::text FROM replicate_tasks t").compactMap { $0[0] }
    }

    var description: String { "\(rows) rows, md5 \(checksum)" }
}
