#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// File-system helpers of the CLI.
enum Paths {
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path == "." ? cwd : "\(cwd)/\(path.hasPrefix("./") ? String(path.dropFirst(2)) : path)"
    }

    static func makeDirectory(_ path: String) throws {
        var partial = ""
        for component in path.split(separator: "/") {
            partial += "/\(component)"
            if mkdir(partial, 0o755) != 0, errno != EEXIST {
                throw ValidationError("Cannot create \(partial): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// `<run>/sockets`, or a folder under /tmp when that path would not fit a unix socket address
    /// (107 bytes) with the socket names added.
    static func socketDirectory(runDirectory: String) -> String {
        let preferred = runDirectory + "/sockets"
        if preferred.utf8.count + 70 <= 107 { return preferred }
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in runDirectory.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return "/tmp/fnhost-\(String(hash, radix: 36))"
    }

    /// When nginx starts as root its workers run as `nobody`, which must be able to reach `path`:
    /// every folder on the way needs the x bit for others. Throws naming the first that lacks it.
    static func requireReachableByNginxWorkers(_ path: String, purpose: String) throws {
        guard geteuid() == 0 else { return }
        var partial = ""
        for component in path.split(separator: "/") {
            partial += "/\(component)"
            var status = stat()
            guard stat(partial, &status) == 0 else { return }
            if status.st_mode & 0o001 == 0 {
                throw ValidationError(
                    "nginx's workers run as nobody and cannot reach \(purpose) \(path): \(partial) is not searchable by others (chmod o+x \(partial), or choose another --run-dir)")
            }
        }
    }

    /// An executable in the same folder as this one.
    static func siblingExecutable(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return name }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) + "/" + name
    }

    /// A loopback TCP port nothing listens on now (the kernel's choice).
    static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ValidationError("no socket for a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw ValidationError("cannot find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Writes a small text file; failures are ignored (it is a convenience for other commands).
    static func writeFile(_ path: String, _ text: String) {
        guard let file = fopen(path, "we") else { return }
        fputs(text, file)
        fclose(file)
    }

    static func printToStandardError(_ text: String) {
        text.withCString { _ = write(2, $0, strlen($0)) }
    }
}
