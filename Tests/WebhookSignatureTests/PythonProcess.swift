import FnhostTestSupport
import Glibc

/// Runs `/usr/bin/python3.11`, feeding stdin and collecting stdout, for cross-checks against
/// Python's own hashlib and hmac.
enum PythonProcess {
    static let interpreter = "/usr/bin/python3.11"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static var isAvailable: Bool { access(interpreter, X_OK) == 0 }

    /// The child's stdout; throws when it cannot start or exits non-zero.
    static func run(arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let (status, output) = try SpawnedProcess.run(interpreter, arguments, input: input)
        guard status == 0 else { throw Failure(description: "\(interpreter) exited with status \(status)") }
        return output
    }
}
