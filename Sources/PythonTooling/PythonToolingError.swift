/// Why building or reading a Python environment failed: the one error type of `PythonTooling`.
///
/// `message` is a sentence for people (and the text a function with a failed environment answers
/// with); it names the failing requirement, file or program and never carries credentials from a URL.
public struct PythonToolingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// `pip install` failed: a requirement that does not exist, a version conflict, a package that
        /// does not build, an unreachable index. `requirements` names the culprits when pip did.
        case installFailed
        /// `python -m venv` failed (no venv module, a broken interpreter).
        case environmentFailed
        /// A build step ran past the build's timeout and was killed.
        case timedOut
        /// A program could not be started at all (missing interpreter, no process slots).
        case spawnFailed
        /// A file or folder of the store could not be read, written, locked or moved.
        case fileSystem
        /// Another build of the same set, finished while this one waited for the lock, failed: its
        /// recorded message is repeated rather than building again.
        case failedElsewhere
    }

    public var code: Code
    public var message: String
    /// The requirement lines pip blamed (`fnhost-no-such-package-xyz==1.0`; both sides of a
    /// conflict), empty when it named none.
    public var requirements: [String]

    public init(_ code: Code, _ message: String, requirements: [String] = []) {
        self.code = code
        self.message = message
        self.requirements = requirements
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
