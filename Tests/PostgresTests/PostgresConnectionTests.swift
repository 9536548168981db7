import FnhostTestSupport
import Postgres
import Testing

/// Statements, parameters, errors and transactions against the live test server.
@Suite("PostgresConnection")
struct PostgresConnectionTests {
    @Test("parameters round-trip quotes, injection strings, unicode and NULLs as plain data")
    func parameterRoundTrip() throws {
        let db = try TestDatabase.connect()
        let values: [String?] = [
            "it's", "'; DROP TABLE users; --", nil, "ünïcødé \"quoted\" 🐘", "", "back\\slash $1 $$", "\n\t",
        ]
        let sql = "SELECT " + (1...values.count).map { "$\($0)::text AS c\($0)" }.joined(separator: ", ")
        let rows = try db.query(sql, values)
        #expect(rows.count == 1)
        #expect(rows.columns == (1...values.count).map { "c\($0)" })
        let row = try #require(rows.first)
        for (index, value) in values.enumerated() {
            #expect(row["c\(index + 1)"] == value, "column c\(index + 1)")
        }
        #expect(row["c3"] == nil && !row.hasColumn("missing") && row.hasColumn("c3"))
    }

    @Test("values stored through parameters come back unchanged and cannot inject SQL")
    func storedInjectionStringIsData() throws {
        try TestDatabase.withSchema("inject") { schema in
            let db = try TestDatabase.connect(schema: schema)
            try db.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
            let evil = "x'); DROP TABLE notes; --"
            #expect(try db.execute("INSERT INTO notes VALUES ($1, $2), ($3, $4)", ["1", evil, "2", nil]) == 2)
            let rows = try db.query("SELECT id, body FROM notes ORDER BY id")
            #expect(rows.map { $0["body"] } == [evil, nil])
            #expect(rows.commandTag == "SELECT 2")
            #expect(try db.execute("UPDATE notes SET body = $1 WHERE id = $2", ["y", "2"]) == 1)
        }
    }

    @Test("a NUL inside a parameter is refused instead of silently truncated")
    func nulRejected() throws {
        let db = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) { try db.query("SELECT $1::text", ["a\u{0}b"]) }
        #expect(error?.code == .invalidArgument)
    }

    @Test("a unique violation carries SQLSTATE 23505 and leaves the connection usable")
    func uniqueViolation() throws {
        try TestDatabase.withSchema("unique") { schema in
            let db = try TestDatabase.connect(schema: schema)
            try db.execute("CREATE TABLE users (email text PRIMARY KEY)")
            try db.execute("INSERT INTO users VALUES ($1)", ["a@example.com"])
            let error = #expect(throws: PostgresError.self) {
                try db.execute("INSERT INTO users VALUES ($1)", ["a@example.com"])
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.code == .queryFailed)
            #expect(error?.isUniqueViolation == true)
            #expect(error?.isConnectionProblem == false)
            #expect(error?.message.contains("duplicate key") == true)
            #expect(try db.query("SELECT count(*) AS n FROM users").first?["n"] == "1")
        }
    }

    @Test("transaction commits on success, rolls back when the body throws, refuses a swallowed failure")
    func transactions() throws {
        struct Boom: Error {}
        try TestDatabase.withSchema("txn") { schema in
            let db = try TestDatabase.connect(schema: schema)
            try db.execute("CREATE TABLE t (id int PRIMARY KEY)")
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            #expect(db.transactionState == .idle)
            #expect(try db.query("SELECT id FROM t").isEmpty)

            let inserted = try db.transaction { try db.execute("INSERT INTO t VALUES (2)") }
            #expect(inserted == 1)
            #expect(try db.query("SELECT id FROM t").map { $0["id"] } == ["2"])

            let error = #expect(throws: PostgresError.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (3)")
                    _ = try? db.execute("INSERT INTO t VALUES (2)")  // fails; error swallowed
                }
            }
            #expect(error?.code == .transactionAborted)
            #expect(try db.query("SELECT count(*) AS n FROM t").first?["n"] == "1")

            #expect(throws: PostgresError.self) { try db.transaction { try db.transaction { () } } }
        }
    }

    @Test("a transaction left open by a bare BEGIN is rolled back before the next statement")
    func leftoverTransactionRolledBack() throws {
        let db = try TestDatabase.connect()
        try db.execute("BEGIN")
        #expect(db.transactionState == .inTransaction)
        #expect(try db.query("SELECT 1 AS one").first?["one"] == "1")
        #expect(db.transactionState == .idle)
    }

    @Test("simpleExec runs several statements; a failure in any of them is thrown")
    func simpleExec() throws {
        try TestDatabase.withSchema("simple") { schema in
            let db = try TestDatabase.connect(schema: schema)
            try db.simpleExec("CREATE TABLE a (x int); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);")
            #expect(try db.query("SELECT count(*) AS n FROM a").first?["n"] == "2")
            let error = #expect(throws: PostgresError.self) {
                try db.simpleExec("INSERT INTO a VALUES (3); SELECT 1/0;")
            }
            #expect(error?.sqlState == "22012")
            #expect(try db.query("SELECT count(*) AS n FROM a").first?["n"] == "2")  // one implicit transaction
            try db.simpleExec("-- only a comment")
        }
    }

    @Test("notices reach the handler instead of stderr")
    func notices() throws {
        let db = try TestDatabase.connect()
        var received: [PostgresNotice] = []
        db.noticeHandler = { received.append($0) }
        try db.execute("DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful'; END $$")
        #expect(received.map(\.message) == ["hello 42", "careful"])
        #expect(received.map(\.severity) == ["NOTICE", "WARNING"])
        db.noticeHandler = nil
        try db.execute("DO $$ BEGIN RAISE NOTICE 'dropped'; END $$")
        #expect(received.count == 2)
    }

    @Test("statement_timeout from the connection options cancels a slow statement (SQLSTATE 57014)")
    func statementTimeout() throws {
        let db = try TestDatabase.connect(statementTimeoutMilliseconds: 200)
        #expect(try db.query("SHOW statement_timeout").first?["statement_timeout"] == "200ms")
        let error = #expect(throws: PostgresError.self) { try db.execute("SELECT pg_sleep(3)") }
        #expect(error?.sqlState == "57014")
        #expect(error?.isConnectionProblem == false)
        #expect(try db.query("SELECT 2 AS two").first?["two"] == "2")
    }

    @Test("application_name and connect_timeout are added when the URL has none")
    func defaultsAdded() throws {
        let db = try TestDatabase.connect()
        #expect(try db.query("SHOW application_name").first?["application_name"] == "fnhost-tests")
    }
}
