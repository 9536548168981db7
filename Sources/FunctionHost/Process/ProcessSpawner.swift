#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes with `posix_spawn` (never `fork`: the master may have threads whose locks
/// a forked child would inherit). Children get an empty signal mask and default dispositions (the
/// master blocks signals for its signalfd), and only the descriptors named in `descriptors`.
enum ProcessSpawner {
    /// Spawns `arguments[0]` (an absolute path) with `arguments`, giving each `(source, target)`
    /// descriptor pair to the child as `target`. With `ownProcessGroup` the child leads a new
    /// process group (its id is the child's pid), so everything it starts can be signalled at once
    /// with `kill(-pid, ...)`, even after the child itself is gone. Returns the pid.
    ///
    /// `blockedSignals` start blocked in the child (the mask survives exec): a worker blocks SIGINT
    /// and SIGQUIT from birth and ignores them once it runs, so a Ctrl-C that reaches the whole
    /// foreground process group while it starts stays pending and is discarded, never fatal.
    static func spawn(
        _ arguments: [String], descriptors: [(source: Int32, target: Int32)] = [], environment: [String]? = nil,
        ownProcessGroup: Bool = false, blockedSignals: [Int32] = []
    ) throws(SystemCallError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in descriptors {
            if source == target {
                // dup2 onto itself would keep close-on-exec: go through a spare number instead.
                posix_spawn_file_actions_adddup2(&actions, source, 200)
                posix_spawn_file_actions_adddup2(&actions, 200, target)
                posix_spawn_file_actions_addclose(&actions, 200)
            } else {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var childMask = sigset_t()
        sigemptyset(&childMask)
        for signal in blockedSignals { sigaddset(&childMask, signal) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &childMask)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envStrings = environment?.map { strdup($0) }
        defer { envStrings?.forEach { free($0) } }
        var pid: pid_t = 0
        let status = (argv + [nil]).withUnsafeBufferPointer { argvBuffer -> Int32 in
            if let envStrings {
                return (envStrings + [nil]).withUnsafeBufferPointer { envBuffer in
                    guard let argvBase = argvBuffer.baseAddress, let envBase = envBuffer.baseAddress else { return EINVAL }
                    return posix_spawn(
                        &pid, arguments[0], &actions, &attributes, UnsafeMutablePointer(mutating: argvBase),
                        UnsafeMutablePointer(mutating: envBase))
                }
            }
            guard let argvBase = argvBuffer.baseAddress else { return EINVAL }
            return posix_spawn(&pid, arguments[0], &actions, &attributes, UnsafeMutablePointer(mutating: argvBase), environ)
        }
        guard status == 0 else { throw SystemCallError("posix_spawn \(arguments[0])", errno: status) }
        return pid
    }

    /// This process's executable, so workers run the same binary as the master.
    static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
