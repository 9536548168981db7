#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Lays out nginx's run folder (`<run>/nginx/{conf,tmp}`), writes the generated configuration and
/// describes the nginx process for the master to supervise.
public struct NginxSetup: Sendable {
    /// The nginx binary. Default `/usr/sbin/nginx`, else the first `nginx` on PATH.
    public var binary: String
    /// `<run dir>/nginx`: nginx's prefix; pid file and temp folders live here.
    public var prefix: String

    /// - Parameter runDirectory: the folder whose `nginx/` becomes the prefix (the CLI passes the
    ///   folder nginx's workers can reach, which is the run folder unless that is out of their reach).
    public init(runDirectory: String, binary: String? = nil) {
        self.prefix = runDirectory + "/nginx"
        self.binary = binary ?? NginxSetup.findBinary()
    }

    public var configurationPath: String { prefix + "/conf/nginx.conf" }

    /// Writes the configuration and prepares the folders. When running as root, nginx's workers
    /// run as `nobody`: the temp folders are handed to that user (`lchown`: a symlink planted in
    /// their place is never followed).
    public func prepare(configuration: String) throws(SystemCallError) {
        for folder in [prefix, prefix + "/conf", prefix + "/tmp", prefix + "/tmp/client_body", prefix + "/tmp/fastcgi",
            prefix + "/tmp/proxy", prefix + "/tmp/uwsgi", prefix + "/tmp/scgi"]
        {
            if mkdir(folder, 0o755) != 0, errno != EEXIST { throw SystemCallError("mkdir \(folder)", errno: errno) }
            if geteuid() == 0, let nobody = getpwnam(Self.workerUserName) { lchown(folder, nobody.pointee.pw_uid, nobody.pointee.pw_gid) }
        }
        let file = fopen(configurationPath, "we")
        guard let file else { throw SystemCallError("open \(configurationPath)", errno: errno) }
        defer { fclose(file) }
        guard fputs(configuration, file) >= 0 else { throw SystemCallError("write \(configurationPath)", errno: errno) }
    }

    /// The user nginx's workers run as when nginx starts as root: `nobody`.
    public static let workerUserName = "nobody"
    /// Their group, `nogroup`: the sockets' group (mode 0660), so they can connect and others cannot.
    public static let workerGroupName = "nogroup"

    /// The `user` directive value nginx needs here: `nobody nogroup` when started as root, else none.
    public static var workerUser: String? { geteuid() == 0 ? "\(workerUserName) \(workerGroupName)" : nil }

    /// The group id of nginx's workers when the host runs as root (nil otherwise, or when the
    /// group does not exist): what the sockets and their folder are given.
    public static var workerGroupID: gid_t? {
        guard geteuid() == 0, let group = getgrnam(workerGroupName) else { return nil }
        return group.pointee.gr_gid
    }

    /// nginx in the foreground, logging to stderr, with every path under `prefix`.
    public var companion: CompanionProcess {
        CompanionProcess(
            name: "nginx",
            arguments: [binary, "-p", prefix + "/", "-c", "conf/nginx.conf", "-e", "stderr", "-g", "daemon off;"])
    }

    static func findBinary() -> String {
        ExecutableLookup.find("nginx", preferred: "/usr/sbin/nginx", fallback: "nginx")
    }
}
