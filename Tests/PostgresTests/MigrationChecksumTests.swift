import FnhostTestSupport
import Foundation
import Hashing
@testable import Postgres
import Testing

/// What a migration's checksum covers (the statements, not the comments), and which recorded values
/// still match a file; no server needed.
@Suite("MigrationChecksum")
struct MigrationChecksumTests {
    static func checksum(_ text: String) -> MigrationChecksum { MigrationChecksum(bytes: Array(text.utf8)) }

    @Test("comments, blank lines and their indentation do not count; every statement line does")
    func statementsOnly() {
        let plain = Self.checksum("CREATE TABLE t (\n    id int\n);\nCREATE INDEX t_ix ON t (id);")
        let commented = Self.checksum(
            "-- a table\n\nCREATE TABLE t (\n  -- its key\n    id int\n);\n \t\n\t-- and an index\nCREATE INDEX t_ix ON t (id);\n")
        #expect(commented.statements == plain.statements)
        #expect(commented.wholeFile != plain.wholeFile)
        #expect(plain.statements == SHA256.hex(Array("CREATE TABLE t (\n    id int\n);\nCREATE INDEX t_ix ON t (id);".utf8)))
        for changed in [
            "CREATE TABLE t (\n    id bigint\n);\nCREATE INDEX t_ix ON t (id);",  // a type
            "CREATE TABLE t (\n  id int\n);\nCREATE INDEX t_ix ON t (id);",  // indentation inside a statement
            "CREATE TABLE t (\n    id int -- key\n);\nCREATE INDEX t_ix ON t (id);",  // a comment after code
            "CREATE TABLE t (\r\n    id int\r\n);\r\nCREATE INDEX t_ix ON t (id);",  // line ends
            "CREATE TABLE t (\n    id int\n);",  // a statement gone
        ] {
            #expect(Self.checksum(changed).statements != plain.statements, "\(changed)")
        }
    }

    @Test("a recorded value is the same, an earlier form to rewrite, or an edit")
    func verdicts() {
        let file = Self.checksum("-- v2 of the comment\nCREATE TABLE t (id int);\n")
        #expect(file.verdict(recorded: file.statements) == .same)
        #expect(file.verdict(recorded: file.wholeFile) == .rewrite, "a history from before comments were left out")
        #expect(file.verdict(recorded: Self.checksum("-- v1\nCREATE TABLE t (id int);\n").statements) == .same)
        #expect(file.verdict(recorded: Self.checksum("-- v1\nCREATE TABLE t (id int);\n").wholeFile) == .edited,
                "the whole-file checksum of another text is accepted only for the shipped revisions")
        #expect(file.verdict(recorded: Self.checksum("CREATE TABLE t (id bigint);\n").statements) == .edited)
        #expect(file.verdict(recorded: "NULL") == .edited)
    }

    /// The shipped migrations whose comments changed after release: a database that applied the
    /// earlier text (its whole-file checksum recorded) goes on, and only with the current statements.
    @Test("the shipped migrations' earlier texts are accepted for their current statements only", arguments: [
        ("db_migrations/V0001__create_replicate_tasks_table.sql", "47dc31e36cd7648f24a726059d8b5e334e4b552e24019bde53361a6dbf8faaf9"),
        ("examples/notes-export/db_migrations/V0003__create_replicate_tasks.sql",
         "9ca4d39115214fb0f496d2492d6582058e7c3047f614ccd6606c6dc2f091480c"),
    ])
    func shippedRevisions(path: String, earlierWholeFile: String) throws {
        let bytes = Array(try Data(contentsOf: PackageRoot.appending(path)))
        let current = MigrationChecksum(bytes: bytes)
        #expect(current.verdict(recorded: earlierWholeFile) == .rewrite)
        #expect(MigrationChecksum.commentRevisions[earlierWholeFile] == current.statements)
        let changed = MigrationChecksum(bytes: bytes + Array("\nCREATE TABLE extra (id int);\n".utf8))
        #expect(changed.verdict(recorded: earlierWholeFile) == .edited)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("shared/"), "the comment no longer cites outside files")
    }
}
