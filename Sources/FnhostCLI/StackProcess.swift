#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FnhostProject

/// A process a command starts for the stack around the functions (scripts/pg, the Replicate
/// stand-in, a `fnhost serve` child of `fnhost test --project`), with `posix_spawn` (never `fork`).
/// The child gets an empty signal mask, default signal dispositions and only descriptors 0-2 (every
/// other one is closed in the child, ours and any inherited); stdout can be captured through a pipe.
final class StackProcess {
    /// Where the child's standard output or error goes.
    enum Output {
        /// Shared with this process.
        case inherit
        /// `/dev/null`.
        case discard
        /// Appended to a file (created when missing).
        case file(String)
        /// A pipe this object reads (stdout only).
        case pipe
    }

    let pid: pid_t
    /// A short name for messages (`scripts/pg`, `replicate-standin`, `fnhost serve`).
    let name: String
    private var outputDescriptor: Int32 = -1
    private var buffered: [UInt8] = []
    private(set) var exitStatus: Int32?

    /// Starts `arguments[0]` (an absolute path).
    /// - Parameters:
    ///   - environment: the child's whole environment; nil (default) inherits ours.
    ///   - ownProcessGroup: the child leads a new process group, so a terminal's Ctrl-C reaches only
    ///     us and we stop it in order. Default false.
    /// - Throws: `ProjectError` `.serviceFailed` when it cannot be started.
    init(
        name: String, _ arguments: [String], environment: [String: String]? = nil, standardOutput: Output = .inherit,
        standardError: Output = .inherit, ownProcessGroup: Bool = false
    ) throws(ProjectError) {
        self.name = name
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        for (output, target) in [(standardOutput, Int32(1)), (standardError, Int32(2))] {
            switch output {
            case .inherit: break
            case .discard: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .pipe:
                // A socket pair rather than pipe2 (not exported to Swift): created close-on-exec atomically.
                guard target == 1, socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &pipeEnds) == 0 else {
                    throw ProjectError(.serviceFailed, "cannot make a pipe for \(name): \(String(cString: strerror(errno)))")
                }
                posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            }
        }
        // Descriptors this process inherited without close-on-exec stop here too (a cluster that
        // scripts/pg starts would otherwise hold them open for as long as it runs).
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
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentStrings = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { environmentStrings?.forEach { free($0) } }
        var child: pid_t = 0
        let status = argv.withUnsafeBufferPointer { argvBuffer -> Int32 in
            guard let path = arguments.first, let argvBase = argvBuffer.baseAddress else { return EINVAL }
            guard let environmentStrings else {
                return posix_spawn(&child, path, &actions, &attributes, UnsafeMutablePointer(mutating: argvBase), environ)
            }
            return environmentStrings.withUnsafeBufferPointer { environmentBuffer in
                guard let environmentBase = environmentBuffer.baseAddress else { return EINVAL }
                return posix_spawn(
                    &child, path, &actions, &attributes, UnsafeMutablePointer(mutating: argvBase), UnsafeMutablePointer(mutating: environmentBase))
            }
        }
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard status == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw ProjectError(.serviceFailed, "cannot start \(name) (\(arguments.first ?? "?")): \(String(cString: strerror(status)))")
        }
        pid = child
        outputDescriptor = pipeEnds[0]
    }

    deinit {
        if outputDescriptor >= 0 { close(outputDescriptor) }
    }

    /// The next line of the captured stdout (without its newline), or nil at its end.
    func readLine() -> String? {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            guard fillBuffer() else {
                guard !buffered.isEmpty else { return nil }
                defer { buffered.removeAll() }
                return String(decoding: buffered, as: UTF8.self)
            }
        }
    }

    /// The rest of the captured stdout, to its end.
    func readAll() -> String {
        while fillBuffer() {}
        defer { buffered.removeAll() }
        return String(decoding: buffered, as: UTF8.self)
    }

    private func fillBuffer() -> Bool {
        guard outputDescriptor >= 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(outputDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                close(outputDescriptor)
                outputDescriptor = -1
                return false
            }
            buffered += chunk[0..<count]
            return true
        }
    }

    /// The exit code once the child has ended (128 + signal when a signal ended it), else nil.
    func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        exitStatus = Self.decode(status)
        return exitStatus
    }

    /// Waits for the child to end; its exit code (128 + signal when a signal ended it).
    @discardableResult
    func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        exitStatus = Self.decode(status)
        return Self.decode(status)
    }

    /// Sends `signal`, waits up to `grace` for the child to end, then kills it (SIGKILL, to its
    /// whole process group when it leads one). Returns its exit code.
    /// - Parameter grace: default 15 s (a host drains its running invocations first).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(15), processGroup: Bool = false) -> Int32 {
        if let exitStatus { return exitStatus }
        kill(processGroup ? -pid : pid, signal)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if let status = poll() { return status }
            usleep(20_000)
        }
        kill(processGroup ? -pid : pid, SIGKILL)
        return wait()
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
