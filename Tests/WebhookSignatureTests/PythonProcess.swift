import CHostSupport
import Glibc

/// Runs `/usr/bin/python3.11` with posix_spawn, feeding stdin and collecting stdout, for
/// cross-checks against Python's own hashlib and hmac.
///
/// Both pipes are close-on-exec from birth (`pipe2`); posix_spawn's dup2 gives the child plain copies as its
/// descriptors 0 and 1, so nothing else leaks into it. The input is written in full before the
/// output is read, so it is meant for small outputs (under the 64 KiB pipe buffer).
enum PythonProcess {
    static let interpreter = "/usr/bin/python3.11"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static var isAvailable: Bool { access(interpreter, X_OK) == 0 }

    /// The child's stdout; throws when it cannot start or exits non-zero.
    static func run(arguments: [String], input: [UInt8]) throws -> [UInt8] {
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
        guard fh_pipe_cloexec(&toChild) == 0 else { throw Failure(description: "pipe failed: errno \(errno)") }
        guard fh_pipe_cloexec(&fromChild) == 0 else {
            close(toChild[0]); close(toChild[1])
            throw Failure(description: "pipe failed: errno \(errno)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        let argv: [UnsafeMutablePointer<CChar>?] = ([interpreter] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, interpreter, &actions, nil, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard spawned == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw Failure(description: "posix_spawn \(interpreter) failed: \(spawned)")
        }
        var offset = 0
        while offset < input.count {
            let written = input.withUnsafeBytes { write(toChild[1], $0.baseAddress.map { $0 + offset }, input.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        close(toChild[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fromChild[0], $0.baseAddress, 65_536) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output.append(contentsOf: chunk[0..<count])
        }
        close(fromChild[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else { throw Failure(description: "\(interpreter) exited with status \(status)") }
        return output
    }
}
