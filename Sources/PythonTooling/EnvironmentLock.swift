#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<root>/<key>.lock`, so that processes (and threads: each lock opens its
/// own file description) building the same requirements set take turns. The kernel releases it when
/// the descriptor closes, also when the process dies, so a crashed build never leaves it held. The
/// lock file itself stays (removing it would let two processes lock two different files).
struct EnvironmentLock: ~Copyable {
    private let descriptor: OwnedDescriptor
    let path: String

    /// Opens (creating) the lock file, close-on-exec so no child inherits the lock.
    init(path: String) throws(PythonToolingError) {
        let raw = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard raw >= 0 else {
            throw PythonToolingError(.fileSystem, "cannot open the lock file \(path): \(SystemText.errno())")
        }
        descriptor = OwnedDescriptor(raw: raw)
        self.path = path
    }

    /// Takes the lock if nobody holds it; false when another build does.
    func tryAcquire() throws(PythonToolingError) -> Bool {
        while flock(descriptor.raw, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw PythonToolingError(.fileSystem, "cannot lock \(path): \(SystemText.errno())") }
        }
        return true
    }

    /// Waits for the lock as long as its holder builds.
    func acquire() throws(PythonToolingError) {
        while flock(descriptor.raw, LOCK_EX) != 0 {
            if errno != EINTR { throw PythonToolingError(.fileSystem, "cannot lock \(path): \(SystemText.errno())") }
        }
    }
}
