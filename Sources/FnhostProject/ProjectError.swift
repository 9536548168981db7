/// Why project mode cannot go on: a bad `.env` line, a missing folder, no fnhost checkout to start
/// the embedded database from. `description` names the file (and line) or the option at fault, and
/// never includes a variable's value.
public struct ProjectError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A `.env` line that is not `KEY=value` (or `export KEY=value`), an unclosed quote, ...
        case environmentFileSyntax
        /// The environment file named by `--env-file` cannot be read.
        case environmentFileUnreadable
        /// `--project` names a folder without `backend/func2url.json`.
        case notAProject
        /// Options that contradict each other (`--project` with `--functions`).
        case conflictingOptions
        /// No folder with `scripts/pg` above the executable, and `DATABASE_URL` is not set.
        case checkoutNotFound
        /// The embedded PostgreSQL or a companion process could not be started or used.
        case serviceFailed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
