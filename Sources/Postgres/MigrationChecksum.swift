import Hashing

/// What the history records of a migration's content, and whether a recorded value still matches
/// the file.
///
/// The checksum is the SHA-256 hex of the statements the file runs: its lines joined by `\n`, less
/// whole-line `--` comments and blank lines. A comment does not run, so correcting one in an applied
/// migration does not make `migrate` refuse the file; any change to a statement line does. (A line
/// starting with `--` inside a multi-line string literal is data, and is left out all the same;
/// migrations do not hold such literals in practice.)
///
/// Histories written before comments were left out hold the SHA-256 of the whole file. Such a value
/// is still accepted, and rewritten to the current form, when it is the whole-file checksum of these
/// very bytes, or of an earlier text of a shipped migration that differed from this one only in its
/// comments (``commentRevisions``).
public struct MigrationChecksum: Sendable, Equatable {
    /// The SHA-256 hex of the statement lines: what the history records now.
    public let statements: String
    /// The SHA-256 hex of the whole file: what the history recorded before.
    public let wholeFile: String

    public init(bytes: [UInt8]) {
        wholeFile = SHA256.hex(bytes)
        statements = SHA256.hex(Array(Self.statementLines(of: bytes).joined(separator: [0x0A])))
    }

    /// The file's lines (split at `\n`) that run: every line but blank ones and those whose first
    /// characters other than spaces and tabs are `--`. A trailing `\r` (a file saved with CRLF) stays
    /// part of its line.
    static func statementLines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
            let content = line.drop { $0 == 0x20 || $0 == 0x09 }
            let blank = content.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            return !blank && !content.starts(with: [0x2D, 0x2D])
        }
    }

    /// What a recorded checksum means for this file.
    public enum Verdict: Sendable, Equatable {
        /// The recorded value is this file's checksum.
        case same
        /// The recorded value is an earlier form of this file's checksum: the file is applied, and its
        /// history row should now say ``MigrationChecksum/statements``.
        case rewrite
        /// A statement changed since the file was applied (or the history names other content).
        case edited
    }

    public func verdict(recorded: String) -> Verdict {
        if recorded == statements { return .same }
        if recorded == wholeFile || Self.commentRevisions[recorded] == statements { return .rewrite }
        return .edited
    }

    /// Whole-file checksums of earlier texts of migrations shipped with fnhost, each with the
    /// statement checksum it shares with the current text (their comments changed, nothing that
    /// runs): a database that applied the earlier text goes on without a refusal.
    /// - `db_migrations/V0001__create_replicate_tasks_table.sql` and
    ///   `examples/notes-export/db_migrations/V0003__create_replicate_tasks.sql`: their first lines
    ///   named a document outside the repository; `docs/job-queue.md` now holds what it said.
    static let commentRevisions: [String: String] = [
        "47dc31e36cd7648f24a726059d8b5e334e4b552e24019bde53361a6dbf8faaf9": "c0b80b9d5886c273a563ac9e99d9c65773c974707e957517dc7d49c0d3f3da62",
        "9ca4d39115214fb0f496d2492d6582058e7c3047f614ccd6606c6dc2f091480c": "c292ba672f3bf84bcfea583b9b14f8f78240f0287708f2a5a37599f6014dd806",
    ]
}
