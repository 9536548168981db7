import CHostSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to its end with `posix_spawn` (never `fork`), its standard output and error merged
/// into one pipe that is read line by line, under a deadline.
///
/// Descriptors: the pipe is close-on-exec from birth (`pipe2`); the child gets its write end as 1 and
/// 2 and `/dev/null` as 0, nothing else. The child stays in the caller's process group, so Ctrl-C in
/// a terminal stops it with the caller. Its signal mask is emptied and every disposition reset (a
/// caller may block signals for a signalfd).
enum ProcessRunner {
    /// How the program ended.
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Past the deadline: it was sent SIGKILL.
        case timedOut
    }

    /// The end of a run and the last lines the program printed.
    struct Outcome: Sendable {
        var termination: Termination
        /// At most `keptLines` of the last lines, oldest first, without line breaks; empty lines dropped.
        var lines: [String]
    }

    /// Lines kept in `Outcome.lines`.
    static let keptLines = 400
    /// A line longer than this many bytes is cut into pieces (a program printing without newlines
    /// cannot grow memory without bound).
    static let maximumLineBytes = 16_384

    /// Runs `arguments[0]` (a path, or a name looked up in PATH) with `arguments` and exactly
    /// `environment` (`NAME=value` strings), calling `onLine` for each line of output as it arrives.
    /// After `timeout` the program is killed and the run ends with `.timedOut`.
    static func run(
        _ arguments: [String], environment: [String], timeout: Duration, onLine: (String) -> Void = { _ in }
    ) throws(PythonToolingError) -> Outcome {
        guard let program = arguments.first else { throw PythonToolingError(.spawnFailed, "no program to run") }
        var ends: [Int32] = [-1, -1]
        guard fh_pipe_cloexec(&ends) == 0 else {
            throw PythonToolingError(.spawnFailed, "cannot create a pipe to run \(program): \(SystemText.errno())")
        }
        let reader = OwnedDescriptor(raw: ends[0])
        let writer = OwnedDescriptor(raw: ends[1])
        let spawned = spawn(arguments, environment: environment, output: writer.raw)
        // The child has its copy; ours must go, or the reader would never see end-of-file.
        writer.close()
        let pid = try spawned.get()

        var collector = LineCollector()
        let timedOut = readUntilEnd(reader.raw, deadline: .now + timeout) { bytes in
            collector.append(bytes, onLine: onLine)
        }
        collector.finish(onLine: onLine)
        if timedOut { _ = kill(pid, SIGKILL) }
        // Closing our end also ends grandchildren still writing (EPIPE) after a timeout.
        reader.close()
        let status = waitForExit(pid)
        let termination: Termination =
            timedOut ? .timedOut : (status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f))
        return Outcome(termination: termination, lines: collector.lines)
    }

    /// Reads `descriptor` until end-of-file (false) or the deadline (true), handing each chunk over.
    private static func readUntilEnd(_ descriptor: Int32, deadline: ContinuousClock.Instant, chunk: ([UInt8]) -> Void) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return true }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: min(seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&watched, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                return false
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return false
            }
            if count == 0 { return false }
            chunk(Array(buffer[0..<count]))
        }
    }

    /// The raw wait status of `pid`, reaping it.
    private static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 0x7f }
        }
        return status
    }

    private static func spawn(_ arguments: [String], environment: [String], output: Int32) -> Result<pid_t, PythonToolingError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears close-on-exec on the copies only; the original stays close-on-exec.
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        // Nothing else reaches the child, not even a descriptor a library made without close-on-exec
        // (libcurl's wake-up socket pair).
        fh_spawn_close_from(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        sigemptyset(&emptySet)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envp = environment.map { strdup($0) }
        defer { envp.forEach { free($0) } }
        let program = arguments[0]
        var pid: pid_t = 0
        let status = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envBuffer -> Int32 in
                guard let argvBase = argvBuffer.baseAddress, let envBase = envBuffer.baseAddress else { return EINVAL }
                let argvPointer = UnsafeMutablePointer(mutating: argvBase)
                let envPointer = UnsafeMutablePointer(mutating: envBase)
                return program.contains("/")
                    ? posix_spawn(&pid, program, &actions, &attributes, argvPointer, envPointer)
                    : posix_spawnp(&pid, program, &actions, &attributes, argvPointer, envPointer)
            }
        }
        guard status == 0 else {
            return .failure(PythonToolingError(.spawnFailed, "cannot start \(program): \(SystemText.error(status))"))
        }
        return .success(pid)
    }
}

/// Cuts a byte stream into lines (at `\n` or `\r`), calling back for each non-empty one and keeping
/// the last `ProcessRunner.keptLines`.
struct LineCollector {
    private(set) var lines: [String] = []
    private var pending: [UInt8] = []

    mutating func append(_ bytes: [UInt8], onLine: (String) -> Void) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                emit(onLine)
            } else {
                pending.append(byte)
                if pending.count >= ProcessRunner.maximumLineBytes { emit(onLine) }
            }
        }
    }

    /// Emits a last line that had no line break.
    mutating func finish(onLine: (String) -> Void) { emit(onLine) }

    private mutating func emit(_ onLine: (String) -> Void) {
        guard !pending.isEmpty else { return }
        let line = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        guard line.contains(where: { !$0.isWhitespace }) else { return }
        lines.append(line)
        if lines.count > ProcessRunner.keptLines { lines.removeFirst(lines.count - ProcessRunner.keptLines) }
        onLine(line)
    }
}

/// `strerror` text, copied out at once.
enum SystemText {
    static func error(_ code: Int32) -> String { String(cString: strerror(code)) }
    static func errno() -> String { error(Glibc.errno) }
}
