import CHostSupport
import Glibc

/// Thin checked wrappers over the few BSD socket calls the stand-in needs.
///
/// Every call retries `EINTR` and throws ``StandInError`` naming the call, in the manner of
/// swift-nio's syscall helper. Descriptors are plain `Int32`s owned by the caller (a long-lived
/// one belongs in a ``SocketDescriptor``); every one is close-on-exec from birth. Writes use
/// `MSG_NOSIGNAL`, so a peer that went away yields an error instead of `SIGPIPE`.
enum POSIXSocket {
    /// Opens a TCP listening socket on an IPv4 literal.
    ///
    /// - Parameters:
    ///   - host: an IPv4 literal such as `127.0.0.1` (loopback is the intended use).
    ///   - port: 0 for an ephemeral port chosen by the kernel, else 1...65535.
    ///   - backlog: the `listen` backlog; default 128 connections.
    /// - Returns: the descriptor and the port actually bound.
    static func listen(host: String, port: Int, backlog: Int32 = 128) throws -> (fd: Int32, port: Int) {
        guard (0...65_535).contains(port) else {
            throw StandInError(code: .invalidConfiguration, message: "port \(port) is outside 0...65535")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        let parsed = host.withCString { inet_pton(AF_INET, $0, &address.sin_addr) }
        guard parsed == 1 else {
            throw StandInError(code: .invalidConfiguration, message: "host '\(host)' is not an IPv4 literal")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket", errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw failure("bind(\(host):\(port))", code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw failure("listen", code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &actual) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(fd)
            throw failure("getsockname", code)
        }
        return (fd, Int(UInt16(bigEndian: actual.sin_port)))
    }

    /// Accepts one connection, close-on-exec from birth (`accept4`), retrying `EINTR` and transient
    /// `ECONNABORTED`.
    static func accept(_ listenFD: Int32) throws -> Int32 {
        while true {
            let fd = fh_accept_cloexec(listenFD)
            if fd >= 0 { return fd }
            let code = errno
            if code == ECONNABORTED { continue }
            throw failure("accept", code)
        }
    }

    /// Sets receive and send timeouts so an idle or stuck peer cannot pin a thread forever.
    static func setTimeouts(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
    }

    /// Reads up to `capacity` bytes; returns an empty array at end of stream.
    /// Throws on a read error or a receive timeout (`EAGAIN`).
    static func read(_ fd: Int32, capacity: Int = 65_536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, capacity, 0) }
            if count >= 0 {
                buffer.removeSubrange(count...)
                return buffer
            }
            let code = errno
            if code == EINTR { continue }
            throw failure("recv", code)
        }
    }

    /// Writes all of `bytes`, looping over short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
                continue
            }
            let code = errno
            if written < 0 && code == EINTR { continue }
            throw failure("send", code)
        }
    }

    /// Shuts down both directions: wakes a thread blocked in `accept` or `recv` on `fd`.
    static func shutdownBoth(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Sends FIN after the last response, so the peer reads everything before seeing end of stream.
    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes the descriptor, ignoring errors (there is nothing useful to do about them).
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    private static func failure(_ call: String, _ code: Int32) -> StandInError {
        StandInError(code: .socket, message: "\(call) failed", errnoValue: code)
    }
}
