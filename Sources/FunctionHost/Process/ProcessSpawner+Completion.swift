#if canImport(Glibc)
import Glibc
#endif

extension ProcessSpawner {
    /// How a command run by `runToCompletion` ended.
    struct Completion: Sendable {
        /// The raw `waitpid` status.
        var status: Int32
        /// Its standard output and standard error, interleaved as written (the first 64 KiB).
        var output: String

        /// Whether it exited with status 0.
        var succeeded: Bool { status & 0x7f == 0 && (status >> 8) & 0xff == 0 }

        /// "exited with status 1", "killed by signal 9 (Killed)".
        var outcome: String { ExitStatus(status).description }
    }

    /// Runs `arguments` (the first an absolute path) to its end: standard input from /dev/null,
    /// standard output and standard error captured together. Blocks until it exits. Only for short
    /// tools run before the master supervises anything (it reaps the child with `waitpid`).
    static func runToCompletion(_ arguments: [String]) throws(SystemCallError) -> Completion {
        var ends: [Int32] = [-1, -1]
        // A stream socketpair, close-on-exec from birth (Glibc's module map does not export pipe2).
        try systemCall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        defer { close(readEnd) }
        let nullInput: Int32
        do {
            nullInput = try systemCall("open /dev/null") { open("/dev/null", O_RDONLY | O_CLOEXEC) }
        } catch {
            close(writeEnd)
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawn(arguments, descriptors: [(nullInput, 0), (writeEnd, 1), (writeEnd, 2)])
        } catch {
            close(nullInput)
            close(writeEnd)
            throw error
        }
        close(nullInput)
        close(writeEnd)

        let limit = 65_536
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 {
                if output.count < limit { output += buffer[0..<min(count, limit - output.count)] }
                continue
            }
            if count < 0, errno == EINTR { continue }
            break
        }
        var status: Int32 = 0
        try systemCall("waitpid") { waitpid(pid, &status, 0) }
        return Completion(status: status, output: String(decoding: output, as: UTF8.self))
    }
}
