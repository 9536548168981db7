/// What one ``MigrationRunner/run(on:)`` did, one entry per folder entry, in the order it was considered:
/// the migrations in application order, then the skipped non-migrations by name.
public struct MigrationReport: Sendable, CustomStringConvertible {
    /// The outcome for one file.
    public enum Outcome: Sendable, Equatable {
        /// Applied now, in its own transaction together with its history row.
        case applied
        /// Its history row exists with the same checksum: nothing to do.
        case alreadyApplied
        /// Not applied (rolled back), or refused because an applied file was edited; the message names the file.
        /// Nothing after a failure is applied.
        case failed(String)
        /// Not a migration (e.g. `README.md`), or not attempted because an earlier file failed.
        case skipped(String)
    }

    /// One line of the report.
    public struct Entry: Sendable, CustomStringConvertible {
        /// The file name, the history table's key.
        public var fileName: String
        /// The version, for migrations; `nil` for skipped non-migrations.
        public var version: Int?
        public var outcome: Outcome
        /// How long applying took, in milliseconds, for `.applied`.
        public var durationMilliseconds: Int?

        /// One line for a CLI, e.g. `applied          V0002__add_index.sql (14 ms)`.
        public var description: String {
            func column(_ word: String) -> String { word + String(repeating: " ", count: max(1, 17 - word.count)) }
            switch outcome {
            case .applied: return column("applied") + fileName + " (\(durationMilliseconds ?? 0) ms)"
            case .alreadyApplied: return column("already applied") + fileName
            case .failed(let message): return column("FAILED") + fileName + ": " + message
            case .skipped(let reason): return column("skipped") + fileName + ": " + reason
            }
        }
    }

    /// Every entry, in order.
    public var entries: [Entry]

    /// `true` when no file failed.
    public var succeeded: Bool { failure == nil }

    /// The first (and only, since the run stops there) failed entry.
    public var failure: Entry? {
        entries.first { if case .failed = $0.outcome { true } else { false } }
    }

    /// File name → outcome, for tests and lookups.
    public var outcomes: [String: Outcome] {
        Dictionary(entries.map { ($0.fileName, $0.outcome) }, uniquingKeysWith: { first, _ in first })
    }

    /// One line per entry.
    public var description: String { entries.map(\.description).joined(separator: "\n") }
}
