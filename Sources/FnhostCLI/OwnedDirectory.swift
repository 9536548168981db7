#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// A folder this process makes, or accepts only when it is already its own, and then gives an exact
/// group and mode through an open descriptor (`fchown`/`fchmod`), so that a path another local user
/// created first, or a symlink planted in its place, is refused instead of followed.
enum OwnedDirectory {
    /// Makes `path` (its parent must exist) with `mkdir` and mode 0700, or opens an existing one,
    /// without following a symlink (`O_NOFOLLOW`). Refuses a folder that is not a plain directory
    /// owned by this process's user. Then sets its group (when `group` is given; nil leaves it) and
    /// its mode, both on the descriptor.
    /// - Parameters:
    ///   - mode: the permission bits to end with (e.g. 0o700, or 0o710 with the nginx workers'
    ///     group so they may reach the sockets inside but not list them).
    ///   - group: the group to give it, nil to leave the creator's.
    /// - Throws: `CLIError` naming the path and the reason.
    static func prepare(_ path: String, mode: mode_t, group: gid_t? = nil) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw CLIError(.fileSystem, "Cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP || errno == ENOTDIR ? "it is a symlink or not a folder" : String(cString: strerror(errno))
            throw CLIError(.fileSystem, "Refusing to use \(path): \(reason)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CLIError(.fileSystem, "Cannot inspect \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_uid == geteuid() else {
            throw CLIError(
                .fileSystem,
                "Refusing to use \(path): it belongs to uid \(status.st_uid), not to this user (uid \(geteuid())); another user may have created it first. Remove it or choose another --run-dir")
        }
        if let group, status.st_gid != group, fchown(descriptor, uid_t.max, group) != 0 {
            throw CLIError(.fileSystem, "Cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
        }
        guard fchmod(descriptor, mode) == 0 else {
            throw CLIError(.fileSystem, "Cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
    }
}
