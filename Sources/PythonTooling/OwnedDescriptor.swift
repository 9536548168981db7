#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor this code owns: closed exactly once, by `close()` or when the value goes away.
/// It cannot be copied, so no second owner can close it again (or close a reused number).
struct OwnedDescriptor: ~Copyable {
    let raw: Int32

    init(raw: Int32) { self.raw = raw }

    deinit { _ = Glibc.close(raw) }

    /// Closes now (EINTR is not retried: on Linux the descriptor is released either way).
    consuming func close() {
        _ = Glibc.close(raw)
        discard self
    }
}
