import FnhostTestSupport
import Foundation
import FunctionRuntime
import Postgres
import Testing
@testable import TryOnCore

// Shared helpers for the TryOnCore tests.
//
// The database tests need the live PostgreSQL of `TestDatabase` (they fail without it, never skip). Each test
// migrates its own throwaway schema and drops it at the end.

struct MigrationsFailed: Error, CustomStringConvertible {
    var report: MigrationReport
    var description: String { "migrations failed:\n\(report)" }
}

struct UnexpectedNil: Error, CustomStringConvertible {
    var what: String
    var description: String { "expected a value: \(what)" }
}

/// One throwaway schema with the migrations applied, a raw connection for setup and assertions, and a
/// `TaskStore` on its own connection (the store is used only through its public API).
final class TaskDatabase {
    let url: String
    let schema: String
    /// Raw SQL for setup and assertions (search_path = the schema).
    let sql: PostgresConnection
    let store: TaskStore

    /// Creates a fresh schema and applies `migrationsFolder` to it (nil: leave it empty).
    init(_ label: String, migrationsFolder: String? = PackageRoot.migrations) throws {
        url = try TestDatabase.url()
        schema = TestDatabase.uniqueSchema(label, prefix: "tryon")
        sql = PostgresConnection(url: url, schema: schema, applicationName: "tryon-tests")
        store = TaskStore(connection: PostgresConnection(url: url, schema: schema, applicationName: "tryon-tests-store"))
        if let migrationsFolder { try migrate(migrationsFolder) }
    }

    /// Runs the migrations of `folder` on this schema; throws with the report when one fails.
    @discardableResult
    func migrate(_ folder: String) throws -> MigrationReport {
        let report = try MigrationRunner(folder: folder, schema: schema)
            .run(on: PostgresConnection(url: url, schema: schema, applicationName: "tryon-tests-migrate"))
        guard report.succeeded else { throw MigrationsFailed(report: report) }
        return report
    }

    /// A second, independent store on its own connection (another "worker process").
    func newStore() -> TaskStore {
        TaskStore(connection: PostgresConnection(url: url, schema: schema, applicationName: "tryon-tests-store"))
    }

    func drop() {
        TestDatabase.drop(schema: schema, on: sql)
        sql.close()
    }

    /// `column` of task `id` as text (NULL is nil). Throws when there is no such task.
    func value(_ column: String, of id: String) throws -> String? {
        let rows = try sql.query("SELECT (\(column))::text AS v FROM replicate_tasks WHERE id = $1", [id])
        guard let row = rows.first else { throw UnexpectedNil(what: "task \(id)") }
        return row["v"]
    }

    /// Whether the boolean SQL expression `condition` holds for task `id`.
    func holds(_ condition: String, for id: String) throws -> Bool {
        try value("(\(condition))", of: id) == "true"
    }

    /// The whole row as JSON text: compares a row before and after (untouched or not).
    func snapshot(_ id: String) throws -> String {
        let rows = try sql.query("SELECT row_to_json(t)::text AS j FROM replicate_tasks t WHERE id = $1", [id])
        guard let text = rows.first?["j"] else { throw UnexpectedNil(what: "task \(id)") }
        return text
    }

    func exec(_ statement: String, _ params: [String?] = []) throws {
        _ = try sql.execute(statement, params)
    }

    /// Inserts a pending task through the store (no idempotency key by default).
    @discardableResult
    func insert(
        _ id: String, user: String = "user-1", garments: Int = 1, key: String? = nil, hash: String? = nil,
        deadlineSeconds: Double = 600, maxAttempts: Int = 5, store: TaskStore? = nil
    ) throws -> TaskStore.InsertOutcome {
        try (store ?? self.store).insert(
            id: id, userId: user, request: Samples.request(garments: garments), idempotencyKey: key,
            requestHash: hash, deadlineSeconds: deadlineSeconds, maxAttempts: maxAttempts)
    }

    /// Claims the next task, requiring one.
    func claim(worker: String = "worker-1", lease: Double = 60, store: TaskStore? = nil) throws -> ClaimedTask {
        guard let task = try (store ?? self.store).claim(workerId: worker, leaseSeconds: lease) else {
            throw UnexpectedNil(what: "a claimable task")
        }
        return task
    }

    /// Makes the lease of `id` look expired (as if its worker died long ago).
    func expireLease(_ id: String) throws {
        try exec("UPDATE replicate_tasks SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [id])
    }
}

/// Runs `body` with a freshly migrated schema, dropping it afterwards whatever happens.
func withTaskDatabase<T>(
    _ label: String, migrationsFolder: String? = PackageRoot.migrations, _ body: (TaskDatabase) async throws -> T
) async throws -> T {
    let database = try TaskDatabase(label, migrationsFolder: nil)
    defer { database.drop() }
    if let migrationsFolder { try database.migrate(migrationsFolder) }
    return try await body(database)
}

/// Sample inputs.
enum Samples {
    static let person = "https://img.test/person.jpg"

    static func garment(_ index: Int) -> Garment {
        Garment(
            image: "https://img.test/garment-\(index).jpg",
            category: [GarmentCategory.upperBody, .lowerBody, .dresses][index % 3])
    }

    static func request(garments count: Int = 1, hints: String? = nil) -> TryOnRequest {
        TryOnRequest(personImage: person, garments: (0..<count).map(garment), promptHints: hints)
    }

    static func event(headers: [String: String] = [:], body: String = "", base64: Bool = false) -> Event {
        Event(
            httpMethod: "POST", headers: headers,
            requestContext: RequestContext(
                identity: .init(sourceIp: "127.0.0.1", userAgent: "tests"), httpMethod: "POST",
                requestId: "00000000-0000-0000-0000-000000000000", requestTime: "01/Jan/2025:12:00:00 +0000",
                requestTimeEpoch: 1_735_732_800),
            body: body, isBase64Encoded: base64)
    }
}
