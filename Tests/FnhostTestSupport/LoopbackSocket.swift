import Foundation

/// The socket calls the test servers and clients share: TCP on 127.0.0.1 and unix sockets, every
/// descriptor close-on-exec from birth (a child process the code under test starts must not
/// inherit a test's sockets).
public enum LoopbackSocket {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks, listening with `backlog` unless
    /// it is nil (then only bound, as ``freePort()`` wants it). Returns the descriptor and the port.
    public static func listen(backlog: Int32? = 64) throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("socket failed: errno \(errno)") }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound, backlog.map({ Glibc.listen(descriptor, $0) == 0 }) ?? true else {
            let code = errno
            close(descriptor)
            throw Failure("cannot listen on 127.0.0.1: errno \(code)")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A loopback port nobody listens on right now: bound (so the kernel picked it), then closed.
    public static func freePort() throws -> Int {
        let (descriptor, port) = try listen(backlog: nil)
        close(descriptor)
        return port
    }

    /// A TCP connection to 127.0.0.1:`port` whose reads and writes give up after `timeoutSeconds`
    /// (nil: block), so a server that hangs fails a test instead of stalling it.
    public static func connect(port: Int, timeoutSeconds: Int? = 10) throws -> Int32 {
        try connect(AF_INET, loopback(port: port), timeoutSeconds: timeoutSeconds, naming: "port \(port)")
    }

    /// A connection to the unix socket at `path`, reads giving up after `timeoutSeconds` (nil: block).
    public static func connect(unixPath path: String, timeoutSeconds: Int? = nil) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return try connect(AF_UNIX, address, timeoutSeconds: timeoutSeconds, naming: path)
    }

    /// A stream socket of `family` connected to `address` (a `sockaddr_in` or `sockaddr_un`).
    private static func connect<Address>(
        _ family: Int32, _ address: Address, timeoutSeconds: Int?, naming peer: String
    ) throws -> Int32 {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("socket failed: errno \(errno)") }
        var address = address
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            throw Failure("connect to \(peer) failed: errno \(code)")
        }
        if let timeoutSeconds { setTimeouts(descriptor, seconds: timeoutSeconds) }
        return descriptor
    }

    /// Whether something accepts TCP connections on the loopback port now.
    public static func accepts(port: Int) -> Bool {
        guard let descriptor = try? connect(port: port, timeoutSeconds: nil) else { return false }
        close(descriptor)
        return true
    }

    /// Receive and send timeouts of `seconds` on `descriptor`.
    public static func setTimeouts(_ descriptor: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes` (`MSG_NOSIGNAL`: a peer that went away never raises SIGPIPE). Returns
    /// how many went out: fewer when the peer stopped reading or closed.
    @discardableResult
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        return offset
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
