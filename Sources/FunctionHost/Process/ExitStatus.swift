#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended, as `waitpid` reports it: a clean exit (status 0), another exit
/// status, or a signal. Its description is what the log says about the death.
struct ExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// The raw status word of `waitpid`.
    var raw: Int32

    init(_ raw: Int32) { self.raw = raw }

    /// Exited with status 0 (a worker that recycled itself).
    var isClean: Bool { raw == 0 }

    var description: String {
        let signal = raw & 0x7f
        if signal == 0 { return "exited with status \((raw >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "signal"
        return "killed by signal \(signal) (\(name))"
    }
}
