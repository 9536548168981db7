import FnhostTestSupport
import Foundation
import Postgres
import Testing
@testable import TryOnCore

/// The migrations: V0002 on a table that already holds rows written by the original application (V0001
/// columns only), and the constraints V0002 adds.
@Suite("Migrations (PostgreSQL)")
struct MigrationUpgradeTests {
    static let v0001 = "V0001__create_replicate_tasks_table.sql"
    static let v0002 = "V0002__add_worker_lease_and_progress.sql"

    /// A folder holding V0001 alone (as the database was before V0002 existed).
    static func v0001Only() throws -> TemporaryFolder {
        let folder = try TemporaryFolder("v0001")
        try FileManager.default.copyItem(
            atPath: PackageRoot.migrations + "/" + v0001, toPath: folder.path + "/" + v0001)
        return folder
    }

    /// Inserts a row with the original columns only.
    static func insertLegacy(
        _ db: TaskDatabase, id: String, status: String, garments: String, minutesAgo: Int, resultURL: String? = nil
    ) throws {
        try db.exec(
            """
            INSERT INTO replicate_tasks (id, user_id, status, person_image, garments, prompt_hints, result_url, created_at, updated_at)
            VALUES ($1, 'legacy-user', $2, 'https://img.test/person.jpg', $3, NULL, $4,
                    localtimestamp - make_interval(mins => $5::int), localtimestamp - make_interval(mins => $5::int))
            """, [id, status, garments, resultURL, String(minutesAgo)])
    }

    @Test func v0001IsTheOriginalTable() async throws {
        let folder = try Self.v0001Only()
        try await withTaskDatabase("v1", migrationsFolder: folder.path) { db throws in
            let columns = try db.sql.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'replicate_tasks' ORDER BY ordinal_position",
                [db.schema]
            ).map { $0["column_name"] ?? "" }
            #expect(
                columns == [
                    "id", "user_id", "status", "person_image", "garments", "prompt_hints", "result_url", "error_message",
                    "created_at", "updated_at",
                ])
        }
    }

    @Test func rowsWrittenBeforeV0002StayValid() async throws {
        let folder = try Self.v0001Only()
        try await withTaskDatabase("upgrade", migrationsFolder: folder.path) { db throws in
            try Self.insertLegacy(
                db, id: "old-processing", status: "processing",
                garments: #"["https://img.test/a.jpg","https://img.test/b.jpg"]"#, minutesAgo: 5)
            try Self.insertLegacy(
                db, id: "old-completed", status: "completed", garments: #"["https://img.test/a.jpg"]"#, minutesAgo: 60,
                resultURL: "https://replicate.delivery/out.png")
            try Self.insertLegacy(
                db, id: "old-objects", status: "pending",
                garments: #" [{"image":"https://img.test/a.jpg","category":"dresses"},{"image":"https://img.test/b.jpg"},"https://img.test/c.jpg"]"#,
                minutesAgo: 3)
            try Self.insertLegacy(db, id: "old-bare", status: "pending", garments: "https://img.test/single.jpg", minutesAgo: 2)
            try Self.insertLegacy(db, id: "old-empty", status: "failed", garments: "[]", minutesAgo: 1)

            let report = try db.migrate(PackageRoot.migrations)
            #expect(report.outcomes[Self.v0001] == .alreadyApplied)
            #expect(report.outcomes[Self.v0002] == .applied)

            // The row an old worker left in 'processing' is pending again, with a valid lease state.
            #expect(try db.value("status", of: "old-processing") == "pending")
            #expect(try db.value("total_steps", of: "old-processing") == "2")
            #expect(try db.value("step", of: "old-processing") == "0")
            #expect(try db.value("attempt", of: "old-processing") == "0")
            #expect(try db.value("max_attempts", of: "old-processing") == "5")
            #expect(try db.value("prediction_retries", of: "old-processing") == "0")
            #expect(try db.value("rescue_count", of: "old-processing") == "0")
            #expect(try db.value("attempt_log", of: "old-processing") == "[]")
            #expect(try db.value("lease_token", of: "old-processing") == nil)
            #expect(try db.value("current_prediction_id", of: "old-processing") == nil)
            #expect(try db.holds("deadline_at > now()", for: "old-processing"))
            #expect(try db.holds("run_after <= now()", for: "old-processing"))
            #expect(try db.holds("updated_at > localtimestamp - interval '1 minute'", for: "old-processing"))

            // The other rows keep their status; total_steps follows the stored list.
            #expect(try db.value("status", of: "old-completed") == "completed")
            #expect(try db.value("result_url", of: "old-completed") == "https://replicate.delivery/out.png")
            #expect(try db.value("total_steps", of: "old-completed") == "1")
            #expect(try db.value("total_steps", of: "old-objects") == "3")
            #expect(try db.value("total_steps", of: "old-bare") == "1")
            #expect(try db.value("status", of: "old-empty") == "failed")
            #expect(try db.value("total_steps", of: "old-empty") == "1")

            // The store reads them.
            let view = try #require(try db.store.status(taskId: "old-processing"))
            #expect(view.status == .pending)
            #expect(view.totalSteps == 2)
            #expect(view.step == 0)
            #expect(view.userId == "legacy-user")
            #expect(try db.store.status(taskId: "old-completed")?.status == .completed)
            #expect(try db.store.status(taskId: "old-completed")?.resultURL == "https://replicate.delivery/out.png")

            // The oldest pending one is claimed first and its garments are the two bare URLs.
            let task = try db.claim()
            #expect(task.id == "old-processing")
            #expect(task.totalSteps == 2)
            #expect(task.attempt == 1)
            #expect(
                task.garments == [
                    Garment(image: "https://img.test/a.jpg", category: .upperBody),
                    Garment(image: "https://img.test/b.jpg", category: .upperBody),
                ])
            #expect(task.personImage == "https://img.test/person.jpg")
            #expect(task.promptHints == nil)
            #expect(try db.store.completeStep(task, step: 0, outputURL: "https://cdn.test/1.png") == true)
            #expect(try db.store.completeStep(task, step: 1, outputURL: "https://cdn.test/2.png") == true)
            #expect(try db.store.finish(task, resultURL: "https://cdn.test/2.png") == true)
            #expect(try db.value("status", of: "old-processing") == "completed")

            let objects = try db.claim()
            #expect(objects.id == "old-objects")
            #expect(objects.totalSteps == 3)
            #expect(
                objects.garments == [
                    Garment(image: "https://img.test/a.jpg", category: .dresses),
                    Garment(image: "https://img.test/b.jpg", category: .upperBody),
                    Garment(image: "https://img.test/c.jpg", category: .upperBody),
                ])
        }
    }

    /// The original `garments` column is free TEXT: a row whose text starts with `[` but is not JSON must not
    /// make V0002 fail (it would block every deploy); it gets one step, like any other non-list value.
    @Test func v0002SurvivesAMalformedGarmentsList() async throws {
        let folder = try Self.v0001Only()
        try await withTaskDatabase("malformed", migrationsFolder: folder.path) { db throws in
            try Self.insertLegacy(db, id: "good", status: "pending", garments: #"["https://img.test/a.jpg"]"#, minutesAgo: 2)
            try Self.insertLegacy(db, id: "broken", status: "failed", garments: "[https://img.test/a.jpg", minutesAgo: 1)
            let report = try db.migrate(PackageRoot.migrations)
            #expect(report.outcomes[Self.v0002] == .applied)
            #expect(try db.value("total_steps", of: "broken") == "1")
            #expect(try db.value("total_steps", of: "good") == "1")
        }
    }

    /// The migrations leave nothing behind in the session (MigrationRunner's promise, needed behind a pooler
    /// where server sessions are shared): the same session can migrate a second schema.
    @Test func migrationsRunTwiceInOneSession() async throws {
        let url = try TestDatabase.url()
        let session = PostgresConnection(url: url, applicationName: "tryon-tests-session")
        let schemas = (0..<2).map { "tryon_session\($0)_\(String(UInt32.random(in: .min ... .max), radix: 16))" }
        defer {
            for schema in schemas {
                _ = try? session.execute("DROP SCHEMA IF EXISTS " + PostgresIdentifier.quoted(schema) + " CASCADE")
            }
            session.close()
        }
        for schema in schemas {
            let report = try MigrationRunner(folder: PackageRoot.migrations, schema: schema).run(on: session)
            #expect(report.succeeded, "\(schema):\n\(report)")
            #expect(report.outcomes[Self.v0002] == .applied)
        }
        let leftovers = try session.query(
            "SELECT p.proname FROM pg_proc p WHERE p.pronamespace = pg_my_temp_schema()")
        #expect(leftovers.map { $0["proname"] ?? "" } == [])
    }

    @Test func v0002Constraints() async throws {
        try await withTaskDatabase("constraints") { db throws in
            try db.insert("t1")
            try db.insert("t2")
            // A processing row must hold a lease, and a leased row must be processing.
            #expect(throws: PostgresError.self) {
                try db.exec("UPDATE replicate_tasks SET status = 'processing' WHERE id = 't1'")
            }
            #expect(throws: PostgresError.self) {
                try db.exec(
                    "UPDATE replicate_tasks SET lease_token = gen_random_uuid(), lease_expires_at = now() WHERE id = 't1'")
            }
            // step within 0...total_steps, attempt within 0...max_attempts.
            #expect(throws: PostgresError.self) { try db.exec("UPDATE replicate_tasks SET step = 2 WHERE id = 't1'") }
            #expect(throws: PostgresError.self) { try db.exec("UPDATE replicate_tasks SET attempt = 6 WHERE id = 't1'") }
            #expect(throws: PostgresError.self) { try db.exec("UPDATE replicate_tasks SET status = 'canceled' WHERE id = 't1'") }
            // One prediction belongs to one task.
            let first = try db.claim()
            let second = try db.claim()
            #expect(try db.store.checkpointPrediction(first, step: 0, predictionId: "shared") == true)
            #expect(throws: TryOnError.self) {
                try db.store.checkpointPrediction(second, step: 0, predictionId: "shared")
            }
            // The store keeps working on its connection after that error.
            #expect(try db.store.checkpointPrediction(second, step: 0, predictionId: "own") == true)
        }
    }
}
