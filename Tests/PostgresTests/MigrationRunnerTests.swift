import FnhostTestSupport
import Postgres
import Testing
import Hashing

/// Migrations against the live test server, each test in its own schema.
@Suite("MigrationRunner")
struct MigrationRunnerTests {
    private let basics = [
        "V0002__add_posts.sql": "CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users(id));",
        "V0001__create_users.sql": "CREATE TABLE users (id int PRIMARY KEY, email text);\n"
            + "INSERT INTO users VALUES (1, 'it''s@example.com');",
        "V0010__add_index.sql": "CREATE INDEX posts_user_ix ON posts (user_id);",
        "README.md": "# migrations",
    ]

    private func history(_ db: PostgresConnection, _ schema: String) throws -> [String] {
        try db.query("SELECT file_name FROM \(PostgresIdentifier.quoted(schema)).fnhost_schema_history "
            + "ORDER BY version, file_name").compactMap { $0["file_name"] }
    }

    @Test("applies in version order into MAIN_DB_SCHEMA (created if missing); a re-run is all alreadyApplied")
    func applyThenRerun() throws {
        let folder = try MigrationFolder(basics)
        try TestDatabase.withSchema("mig_order", create: false) { schema in
            let db = try TestDatabase.connect()
            let report = try MigrationRunner(folder: folder.path, schema: schema).run(on: db)
            #expect(report.succeeded, "\(report)")
            #expect(report.entries.map(\.fileName)
                == ["V0001__create_users.sql", "V0002__add_posts.sql", "V0010__add_index.sql", "README.md"])
            #expect(report.entries.prefix(3).allSatisfy { $0.outcome == .applied && $0.durationMilliseconds != nil })
            guard case .skipped = report.entries[3].outcome else {
                Issue.record("README.md should be skipped: \(report)")
                return
            }
            for table in ["users", "posts", "fnhost_schema_history"] {
                #expect(try TestDatabase.tableExists(db, schema, table), "\(table)")
            }
            #expect(try TestDatabase.tableExists(db, "public", "posts") == false)
            let row = try db.query("SELECT version, checksum, duration_ms FROM \(PostgresIdentifier.quoted(schema))"
                + ".fnhost_schema_history WHERE file_name = 'V0001__create_users.sql'").first
            #expect(row?["version"] == "1")
            #expect(row?["checksum"] == MigrationChecksum(bytes: Array((basics["V0001__create_users.sql"] ?? "").utf8)).statements)
            #expect(db.transactionState == .idle)

            let again = try MigrationRunner(folder: folder.path, schema: schema).run(on: db)
            #expect(again.entries.prefix(3).allSatisfy { $0.outcome == .alreadyApplied }, "\(again)")
            #expect(try history(db, schema).count == 3)
        }
    }

    @Test("an applied file that was edited is refused by name, and nothing after it is applied")
    func editedFileRefused() throws {
        let folder = try MigrationFolder(basics)
        try TestDatabase.withSchema("mig_edit") { schema in
            let db = try TestDatabase.connect()
            let runner = MigrationRunner(folder: folder.path, schema: schema)
            try folder.remove("V0010__add_index.sql")
            #expect(try runner.run(on: db).succeeded)
            try folder.write("V0001__create_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);")
            try folder.write("V0010__add_index.sql", "CREATE INDEX posts_user_ix ON posts (user_id);")
            let report = try runner.run(on: db)
            guard case .failed(let message) = report.outcomes["V0001__create_users.sql"] else {
                Issue.record("expected a refusal: \(report)")
                return
            }
            #expect(message.contains("V0001__create_users.sql") && message.contains("edited"))
            #expect(report.failure?.fileName == "V0001__create_users.sql")
            guard case .skipped = report.outcomes["V0010__add_index.sql"] else {
                Issue.record("V0010 should not be attempted: \(report)")
                return
            }
            #expect(try history(db, schema) == ["V0001__create_users.sql", "V0002__add_posts.sql"])
            #expect(try db.query("SELECT 1 FROM pg_indexes WHERE indexname = 'posts_user_ix' AND schemaname = $1",
                                 [schema]).isEmpty)
        }
    }

    @Test("a comment edited in an applied file is accepted; a history of whole-file checksums is rewritten")
    func commentsAndEarlierChecksums() throws {
        let folder = try MigrationFolder(["V0001__users.sql": "-- users\nCREATE TABLE users (id int);\n"])
        try TestDatabase.withSchema("mig_comments") { schema in
            let db = try TestDatabase.connect()
            let runner = MigrationRunner(folder: folder.path, schema: schema)
            #expect(try runner.run(on: db).succeeded)
            let table = try PostgresIdentifier.quoted(schema) + ".fnhost_schema_history"
            let recorded = { try db.query("SELECT checksum FROM \(table)").first?["checksum"] }

            let corrected = "-- the users, one row each\n\nCREATE TABLE users (id int);\n"
            try folder.write("V0001__users.sql", corrected)
            #expect(try runner.run(on: db).outcomes["V0001__users.sql"] == .alreadyApplied)

            // A history written when the checksum covered the whole file: accepted, then rewritten.
            let checksum = MigrationChecksum(bytes: Array(corrected.utf8))
            try db.execute("UPDATE \(table) SET checksum = $1", [checksum.wholeFile])
            #expect(try runner.run(on: db).outcomes["V0001__users.sql"] == .alreadyApplied)
            #expect(try recorded() == checksum.statements)

            try folder.write("V0001__users.sql", "-- the users, one row each\nCREATE TABLE users (id bigint);\n")
            guard case .failed(let message) = try runner.run(on: db).outcomes["V0001__users.sql"] else {
                Issue.record("a changed statement must be refused")
                return
            }
            #expect(message.contains("edited"), "\(message)")
            #expect(try recorded() == checksum.statements, "a refusal rewrites nothing")
        }
    }

    @Test("a failing file is rolled back and named with the server's message; later files wait; a fix resumes")
    func failingFileRolledBack() throws {
        let folder = try MigrationFolder([
            "V0001__good.sql": "CREATE TABLE good (id int);",
            "V0002__bad.sql": "CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT 1/0;",
            "V0003__later.sql": "CREATE TABLE later (id int);",
        ])
        try TestDatabase.withSchema("mig_fail") { schema in
            let db = try TestDatabase.connect()
            let runner = MigrationRunner(folder: folder.path, schema: schema)
            let report = try runner.run(on: db)
            #expect(!report.succeeded)
            #expect(report.outcomes["V0001__good.sql"] == .applied)
            guard case .failed(let message) = report.outcomes["V0002__bad.sql"] else {
                Issue.record("expected V0002 to fail: \(report)")
                return
            }
            #expect(message.contains("V0002__bad.sql") && message.contains("division by zero"), "\(message)")
            #expect(message.contains("[SQLSTATE 22012]"), "\(message)")
            guard case .skipped = report.outcomes["V0003__later.sql"] else {
                Issue.record("V0003 should not be attempted: \(report)")
                return
            }
            #expect(try TestDatabase.tableExists(db, schema, "half") == false)
            #expect(try TestDatabase.tableExists(db, schema, "later") == false)
            #expect(try history(db, schema) == ["V0001__good.sql"])

            try folder.write("V0002__bad.sql", "CREATE TABLE half (id int);")
            let fixed = try runner.run(on: db)
            #expect(fixed.entries.map(\.outcome) == [.alreadyApplied, .applied, .applied], "\(fixed)")
        }
    }

    @Test("a syntax error is reported with the file name and its line")
    func syntaxErrorLine() throws {
        let folder = try MigrationFolder(["V0001__typo.sql": "CREATE TABLE ok (id int);\n\nCREAT TABLE oops (id int);"])
        try TestDatabase.withSchema("mig_syntax") { schema in
            let db = try TestDatabase.connect()
            let report = try MigrationRunner(folder: folder.path, schema: schema).run(on: db)
            guard case .failed(let message) = report.outcomes["V0001__typo.sql"] else {
                Issue.record("expected a failure: \(report)")
                return
            }
            #expect(message.contains("V0001__typo.sql") && message.contains("(line 3)") && message.contains("42601"),
                    "\(message)")
            #expect(try TestDatabase.tableExists(db, schema, "ok") == false)
        }
    }

    @Test("duplicate versions are applied in file-name order, each recorded by name")
    func duplicateVersions() throws {
        let folder = try MigrationFolder([
            "V0001__b_second.sql": "ALTER TABLE shared ADD COLUMN b int;",
            "V0001__a_first.sql": "CREATE TABLE shared (id int);",
            "V0002__c.sql": "ALTER TABLE shared ADD COLUMN c int;",
        ])
        try TestDatabase.withSchema("mig_dup") { schema in
            let db = try TestDatabase.connect()
            let report = try MigrationRunner(folder: folder.path, schema: schema).run(on: db)
            #expect(report.entries.map(\.fileName) == ["V0001__a_first.sql", "V0001__b_second.sql", "V0002__c.sql"])
            #expect(report.succeeded, "\(report)")
            #expect(try history(db, schema).count == 3)
        }
    }

    @Test("a file that commits by itself is reported as failed")
    func transactionControlInFile() throws {
        let folder = try MigrationFolder(["V0001__sneaky.sql": "CREATE TABLE s (id int); COMMIT;"])
        try TestDatabase.withSchema("mig_commit") { schema in
            let db = try TestDatabase.connect()
            let report = try MigrationRunner(folder: folder.path, schema: schema).run(on: db)
            guard case .failed(let message) = report.outcomes["V0001__sneaky.sql"] else {
                Issue.record("expected a failure: \(report)")
                return
            }
            #expect(message.contains("ended the transaction"))
            #expect(db.transactionState == .idle)
        }
    }

    @Test("two concurrent runs apply each file exactly once")
    func concurrentRuns() async throws {
        let folder = try MigrationFolder([
            "V0001__a.sql": "CREATE TABLE a (id int); SELECT pg_sleep(0.2);",
            "V0002__b.sql": "CREATE TABLE b (id int); SELECT pg_sleep(0.2);",
            "V0003__c.sql": "CREATE TABLE c (id int);",
        ])
        let schema = TestDatabase.uniqueSchema("mig_race")
        let url = try TestDatabase.url()
        let runner = MigrationRunner(folder: folder.path, schema: schema)
        defer {
            let admin = PostgresConnection(url: url)
            _ = try? admin.execute("DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE")
        }
        let reports = try await withThrowingTaskGroup(of: MigrationReport.self) { group in
            for _ in 0..<2 {
                group.addTask { try runner.run(on: PostgresConnection(url: url)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reports.allSatisfy { $0.succeeded }, "\(reports)")
        for file in ["V0001__a.sql", "V0002__b.sql", "V0003__c.sql"] {
            let applied = reports.filter { $0.outcomes[file] == .applied }.count
            #expect(applied == 1, "\(file) applied \(applied) times")
        }
    }
}
