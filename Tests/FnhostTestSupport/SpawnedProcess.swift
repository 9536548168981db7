import CHostSupport
import Glibc

/// Runs a program with plain `posix_spawn` and collects its standard output: no file actions but
/// the pipes it is given (unlike Foundation's `Process`, which closes descriptors on the way), so
/// the child inherits exactly what a process of the code under test would.
///
/// Both pipes are close-on-exec from birth (`pipe2`); `posix_spawn`'s dup2 gives the child plain
/// copies as its descriptors 0 and 1, so nothing else leaks into it. The input is written in full
/// before the output is read, so it is meant for small outputs (under the 64 KiB pipe buffer).
public enum SpawnedProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Runs `program` (an absolute path) with `arguments`; with `input`, that is its standard input
    /// (otherwise it inherits ours). Returns its wait status and standard output.
    public static func run(_ program: String, _ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: [UInt8]) {
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
        guard fh_pipe_cloexec(&fromChild) == 0 else { throw Failure("pipe failed: errno \(errno)") }
        if input != nil, fh_pipe_cloexec(&toChild) != 0 {
            close(fromChild[0]); close(fromChild[1])
            throw Failure("pipe failed: errno \(errno)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input != nil { posix_spawn_file_actions_adddup2(&actions, toChild[0], 0) }
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        if input != nil { close(toChild[0]) }
        close(fromChild[1])
        guard spawned == 0 else {
            if input != nil { close(toChild[1]) }
            close(fromChild[0])
            throw Failure("posix_spawn \(program) failed: \(spawned)")
        }
        if let input {
            var offset = 0
            while offset < input.count {
                let written = input.withUnsafeBytes { write(toChild[1], $0.baseAddress.map { $0 + offset }, input.count - offset) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { break }
                offset += written
            }
            close(toChild[1])
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fromChild[0], $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output.append(contentsOf: chunk[0..<count])
        }
        close(fromChild[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status, output)
    }
}
