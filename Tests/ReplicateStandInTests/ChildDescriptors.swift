import FnhostTestSupport
import Glibc

/// What a freshly spawned child process inherits: runs `/bin/ls -l /proc/self/fd` with plain
/// `posix_spawn` (``SpawnedProcess``: no file actions besides its stdout) and returns the child's
/// open descriptors and what each points to.
enum ChildDescriptors {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The child's descriptors, number to link target, without the one `ls` opens itself to read
    /// `/proc/self/fd` (its target is `/proc/<pid>/fd`).
    static func list() throws -> [Int32: String] {
        let (_, bytes) = try SpawnedProcess.run("/bin/ls", ["-l", "/proc/self/fd"])
        var descriptors: [Int32: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            // lrwx------ 1 root root 64 Jan  1 00:00 3 -> socket:[12345]
            let halves = line.split(separator: " -> ", maxSplits: 1).map(String.init)
            guard halves.count == 2, let number = halves[0].split(separator: " ").last.flatMap({ Int32($0) }) else {
                continue
            }
            if halves[1].hasPrefix("/proc/"), halves[1].hasSuffix("/fd") { continue }
            descriptors[number] = halves[1]
        }
        guard !descriptors.isEmpty else { throw Failure(description: "ls printed no descriptors") }
        return descriptors
    }

    /// The link target of this process's descriptor `fd` (`socket:[inode]` for a socket).
    static func target(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// This process's descriptor whose local address is 127.0.0.1:`port` (a client socket found by
    /// the port its peer sees), if any.
    static func loopbackSocket(localPort port: Int) -> Int32? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name) else { continue }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            if named == 0, address.sin_family == sa_family_t(AF_INET), Int(UInt16(bigEndian: address.sin_port)) == port {
                return fd
            }
        }
        return nil
    }

    /// Whether this process's `fd` was handed down by its parent (the parent has the same
    /// descriptor pointing at the same thing), as a test runner's shell may do.
    static func cameFromParent(_ fd: Int32) -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = readlink("/proc/\(getppid())/fd/\(fd)", &buffer, buffer.count - 1)
        guard length > 0 else { return false }
        return target(of: fd) == String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether a descriptor's link target (`socket:[inode]`, as the child listed it) is an IPv4 or
    /// IPv6 socket: its inode is in this network namespace's TCP or UDP tables. Judged by inode, not
    /// by descriptor number: by the time the child's list is read, the number may have been closed
    /// here and given to another socket (an AF_UNIX pair the child inherited must not be taken for
    /// the TCP connection that reuses its numbers).
    static func isInternetSocket(target: String) -> Bool {
        internetSocket(target: target) != nil
    }

    /// For an internet socket's link target, its table and addresses as the kernel lists them
    /// (`tcp 0100007F:1F90 -> 0100007F:D431 st 01`: hex address:port, state), to tell whose it is.
    static func internetSocket(target: String) -> String? {
        guard target.hasPrefix("socket:["), target.hasSuffix("]") else { return nil }
        let inode = String(target.dropFirst("socket:[".count).dropLast())
        return internetSockets()[inode]
    }

    /// Among inherited descriptors (number to link target), the one pair of IPv4 UDP sockets on
    /// 127.0.0.1 that are connected to each other (each one's local address is the other's peer):
    /// Foundation's CFSocket wake-up pair. Empty when there is no such pair.
    static func foundationWakeupPair(in descriptors: [Int32: String]) -> [(Int32, Int32)] {
        let loopback = "0100007F:"
        var ends: [(fd: Int32, local: String, remote: String)] = []
        for (fd, target) in descriptors {
            guard let entry = internetSocket(target: target) else { continue }
            let fields = entry.split(separator: " ")
            // udp LOCAL -> REMOTE st NN
            guard fields.count == 6, fields[0] == "udp", fields[1].hasPrefix(loopback), fields[3].hasPrefix(loopback) else { continue }
            ends.append((fd, String(fields[1]), String(fields[3])))
        }
        for first in ends {
            if let second = ends.first(where: { $0.fd != first.fd && $0.local == first.remote && $0.remote == first.local }) {
                return [(first.fd, second.fd)]
            }
        }
        return []
    }

    /// Every TCP and UDP socket (IPv4 and IPv6) in this network namespace, by inode.
    static func internetSockets() -> [String: String] {
        var sockets: [String: String] = [:]
        for table in ["tcp", "tcp6", "udp", "udp6"] {
            guard let file = fopen("/proc/self/net/\(table)", "re") else { continue }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 512)
            while fgets(&buffer, Int32(buffer.count), file) != nil {
                let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
                let fields = line.split(separator: " ")
                if fields.count > 9, fields[0] != "sl" {
                    sockets[String(fields[9])] = "\(table) \(fields[1]) -> \(fields[2]) st \(fields[3])"
                }
            }
        }
        return sockets
    }

    /// The port of the peer of the connected socket `fd`.
    static func peerPort(of fd: Int32) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return named == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
