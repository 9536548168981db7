@testable import Postgres
import Testing

/// Connection-string handling that needs no server.
@Suite("ConnectionString")
struct ConnectionStringTests {
    @Test("redaction hides passwords in both forms")
    func redaction() {
        let url = ConnectionString.redacted("postgresql://app:hunter2@/db?host=/run/pg")
        #expect(!url.contains("hunter2"))
        #expect(url.contains("password=***") && url.contains("host=/run/pg") && url.contains("dbname=db"))
        let keyValue = ConnectionString.redacted("host=/tmp dbname=x password='a b c'")
        #expect(!keyValue.contains("a b c") && keyValue.contains("password=***"))
        #expect(ConnectionString.redacted("postgresql://u:p%zz@/db") == "<unparseable connection string>")
    }

    @Test("parse errors are scrubbed of the password")
    func parseErrorScrubbed() {
        let error = #expect(throws: PostgresError.self) { try ConnectionString.parse("postgresql://u:p%zzq@/db") }
        #expect(error.map { !"\($0)".contains("p%zzq") } == true, "\(String(describing: error))")
        #expect(error?.isConnectionProblem == true)
    }

    @Test("defaults are added only when absent; the UTC zone, schema and timeout are appended to options")
    func settings() throws {
        let added = try ConnectionString.settings(
            for: "postgresql://u@/db?host=/s&options=-c%20work_mem%3D4MB", schema: "My \"S\"",
            applicationName: "app", statementTimeoutMilliseconds: 1500)
        let map = Dictionary(added.map { ($0.keyword, $0.value) }, uniquingKeysWith: { $1 })
        #expect(map["connect_timeout"] == "3")
        #expect(map["application_name"] == "app")
        #expect(map["options"] == #"-c work_mem=4MB -c TimeZone=UTC -c search_path="My\ ""S""",public -c statement_timeout=1500"#)
        let kept = try ConnectionString.settings(
            for: "dbname=x connect_timeout=7 application_name=mine", schema: nil, applicationName: "app",
            statementTimeoutMilliseconds: nil)
        let keptMap = Dictionary(kept.map { ($0.keyword, $0.value) }, uniquingKeysWith: { $1 })
        #expect(keptMap["connect_timeout"] == "7" && keptMap["application_name"] == "mine")
        #expect(keptMap["options"] == "-c TimeZone=UTC", "every session runs in UTC")
    }

    @Test("liveness sets keep-alives on libpq's socket and, as -c options, on the server's")
    func liveness() throws {
        let liveness = PostgresLiveness(idleSeconds: 2, intervalSeconds: 1, probes: 3, userTimeoutMilliseconds: 4000)
        let settings = try ConnectionString.settings(
            for: "dbname=x keepalives_idle=9", schema: nil, applicationName: "app", statementTimeoutMilliseconds: nil,
            liveness: liveness)
        let map = Dictionary(settings.map { ($0.keyword, $0.value) }, uniquingKeysWith: { $1 })
        #expect(map["keepalives"] == "1" && map["keepalives_idle"] == "9", "the string's own value wins")
        #expect(map["keepalives_interval"] == "1" && map["keepalives_count"] == "3" && map["tcp_user_timeout"] == "4000")
        #expect(
            map["options"]
                == "-c TimeZone=UTC -c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3 -c tcp_user_timeout=4000")
        #expect(liveness.earliestDetectionMilliseconds == 4000)
        #expect(PostgresLiveness().earliestDetectionMilliseconds == 5000)
    }

    @Test("identifiers are quoted, and bad ones refused")
    func identifiers() throws {
        #expect(try PostgresIdentifier.quoted("t_p1_app") == "\"t_p1_app\"")
        #expect(try PostgresIdentifier.quoted("a\"b") == "\"a\"\"b\"")
        #expect(throws: PostgresError.self) { try PostgresIdentifier.quoted("") }
        #expect(throws: PostgresError.self) { try PostgresIdentifier.quoted(String(repeating: "x", count: 64)) }
    }
}
