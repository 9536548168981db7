import FnhostTestSupport
import Foundation
@testable import Postgres
import Testing

/// Lost connections, reconnects, bad URLs, schemas and prepared statements against the live test server.
@Suite("PostgresConnection recovery")
struct PostgresConnectionRecoveryTests {
    /// Terminates `pid` from a second connection and waits until the backend is really gone.
    private func kill(_ pid: Int32) throws {
        let admin = try TestDatabase.connect()
        #expect(try admin.query("SELECT pg_terminate_backend($1::int) AS ok", [String(pid)]).first?["ok"] == "t")
        let gone = try poll(within: 2) {
            try admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", [String(pid)]).isEmpty
        }
        #expect(gone, "backend \(pid) still alive after 2 s")
    }

    @Test("prepared statements are reused, and re-prepared on the new session after the backend is killed")
    func preparedAcrossKill() throws {
        let db = try TestDatabase.connect()
        let sql = "SELECT $1::int + 1 AS next"
        #expect(try db.queryPrepared(name: "next", sql: sql, params: ["1"]).first?["next"] == "2")
        #expect(try db.queryPrepared(name: "next", sql: sql, params: ["41"]).first?["next"] == "42")
        let countPrepared = "SELECT count(*) AS n FROM pg_prepared_statements WHERE name = 'next'"
        #expect(try db.query(countPrepared).first?["n"] == "1")  // prepared once, executed twice
        let firstPID = try #require(db.backendPID)

        try kill(firstPID)
        #expect(try db.queryPrepared(name: "next", sql: sql, params: ["2"]).first?["next"] == "3")
        #expect(db.reconnectCount == 1)
        #expect(db.backendPID != firstPID)
        #expect(try db.query(countPrepared).first?["n"] == "1")
    }

    /// The link died while the connection sat idle (a restarted server, a terminated session, a
    /// partition its keep-alives noticed): the next statement sees it before sending and runs on a
    /// new session, so nothing fails.
    @Test("a statement after the backend was killed while idle runs on a new session")
    func queryAfterIdleKill() throws {
        let db = try TestDatabase.connect()
        let pid = try #require(try db.query("SELECT pg_backend_pid() AS pid").first?["pid"].flatMap { Int32($0) })
        try kill(pid)
        #expect(try db.query("SELECT pg_backend_pid() AS pid").first?["pid"] != String(pid))
        #expect(db.reconnectCount == 1)
    }

    /// The link died under a statement: it may have run, so it fails as a connection problem (the
    /// request's 503) and is not sent again; the next statement reconnects.
    @Test("a statement whose backend is killed while it runs fails once as a connection problem, then reconnects")
    func queryDuringKill() throws {
        let db = try TestDatabase.connect()
        let pid = try #require(try db.query("SELECT pg_backend_pid() AS pid").first?["pid"].flatMap { Int32($0) })
        let killer = Thread {
            let running = (try? poll(within: 10) {
                let admin = try TestDatabase.connect()
                return try !admin.query(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = $1::int AND query LIKE 'SELECT pg_sleep%' AND state = 'active'",
                    [String(pid)]
                ).isEmpty
            }) ?? false
            if running { try? kill(pid) }
        }
        killer.start()
        let error = #expect(throws: PostgresError.self) { try db.query("SELECT pg_sleep(20)") }
        #expect(error?.isConnectionProblem == true, "\(String(describing: error))")
        #expect(try db.query("SELECT pg_backend_pid() AS pid").first?["pid"] != String(pid))
        #expect(db.reconnectCount == 1)
    }

    @Test("reusing a statement name with different SQL is refused")
    func preparedNameClash() throws {
        let db = try TestDatabase.connect()
        try db.queryPrepared(name: "clash", sql: "SELECT 1")
        let error = #expect(throws: PostgresError.self) { try db.queryPrepared(name: "clash", sql: "SELECT 2") }
        #expect(error?.code == .invalidArgument)
    }

    @Test("an unreachable server fails fast as a connection problem, without echoing the password")
    func badURLs() throws {
        let urls = [
            "postgresql://fnhost:s3cretPW@/fnhost?host=/nonexistent/socket/dir",
            "postgresql://fnhost:s3cretPW@127.0.0.1:1/fnhost",
            "host=/nonexistent dbname=fnhost user=fnhost password=s3cretPW",
            "postgresql://fnhost:s3cretPW%zz@/fnhost",  // malformed percent-escape: a parse error
        ]
        for url in urls {
            let start = ContinuousClock.now
            let db = PostgresConnection(url: url)
            let error = #expect(throws: PostgresError.self) { try db.query("SELECT 1") }
            #expect(ContinuousClock.now - start < .seconds(3), "\(url)")
            #expect(error?.code == .connectionFailed)
            #expect(error?.isConnectionProblem == true)
            #expect(error.map { !"\($0)".contains("s3cretPW") } == true, "\(String(describing: error))")
            #expect(!db.redactedURL.contains("s3cretPW"))
        }
    }

    @Test("a wrong password is a connection failure; the real one works in both URL and key=value form")
    func passwords() throws {
        let url = try TestDatabase.url()
        var settings = try ConnectionString.parse(url)
        let password = settings.first { $0.keyword == "password" }?.value
        settings.removeAll { $0.keyword == "password" }
        let keyValue = settings.map { "\($0.keyword)='\($0.value)'" }.joined(separator: " ")
        let good = PostgresConnection(url: keyValue + (password.map { " password='\($0)'" } ?? ""))
        #expect(try good.query("SELECT current_user AS u").first?["u"] != nil)
        if password != nil {
            let bad = PostgresConnection(url: keyValue + " password='definitely-wrong'")
            let error = #expect(throws: PostgresError.self) { try bad.query("SELECT 1") }
            #expect(error?.code == .connectionFailed)
            #expect(error.map { !"\($0)".contains("definitely-wrong") } == true)
        }
    }

    @Test("MAIN_DB_SCHEMA becomes search_path via the connect options, even for an odd name")
    func schemaSearchPath() throws {
        for label in ["plain", "Odd \"name\" x"] {
            try TestDatabase.withSchema(label) { schema in
                let db = try TestDatabase.connect(schema: schema)
                #expect(try db.query("SELECT current_schema() AS s").first?["s"] == schema)
                let table = "here_\(UInt32.random(in: 0 ... .max))"
                try db.execute("CREATE TABLE \(table) (id int)")
                #expect(try TestDatabase.tableExists(db, schema, table))
                #expect(try TestDatabase.tableExists(db, "public", table) == false)
            }
        }
    }

    @Test("the environment initialiser needs DATABASE_URL and treats an empty MAIN_DB_SCHEMA as unset")
    func environment() throws {
        #expect(throws: PostgresError.self) { try PostgresConnection(environment: [:]) }
        let db = try PostgresConnection(environment: ["DATABASE_URL": try TestDatabase.url(), "MAIN_DB_SCHEMA": ""])
        #expect(db.schema == nil)
        #expect(try db.query("SELECT 1 AS one").first?["one"] == "1")
    }
}
