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
                throw CLIError(.fileSystem, "Cannot create \(partial): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// When nginx starts as root its workers run as `nobody`, which must be able to reach `path`:
    /// every folder on the way needs the x bit for others. Throws when one lacks it.
    static func requireReachableByNginxWorkers(_ path: String, purpose: String) throws {
        guard !NginxFacingFolder.nginxWorkersCanReach(path) else { return }
        throw ValidationError(
            "nginx's workers run as nobody and cannot reach \(purpose) \(path): a folder on the way is not searchable by others (chmod o+x it, or leave --results-dir out)")
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
        guard descriptor >= 0 else { throw CLIError(.system, "No socket for a free port: \(String(cString: strerror(errno)))") }
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
        guard bound else { throw CLIError(.system, "Cannot find a free loopback port") }
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
