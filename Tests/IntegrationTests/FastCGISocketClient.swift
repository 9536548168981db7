import FastCGI
import Foundation

/// Speaks FastCGI straight to a unix socket of a running host (a function's socket), as any local
/// process that can connect could, bypassing nginx: one request, then the whole answer.
enum FastCGISocketClient {
    /// Sends one request and reads until the host closes the connection (at most `timeoutSeconds`).
    /// - Returns: the status and body of the answer, nil when none could be read.
    static func send(
        socketPath: String, parameters: [(String, String)], body: [UInt8], timeoutSeconds: Int = 15
    ) throws -> (status: Int, body: [UInt8])? {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw StackError("socket: errno \(errno)") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw StackError("socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw StackError("connect \(socketPath): errno \(errno)") }
        let request = FastCGIRecord.request(requestId: 1, parameters: parameters, body: body)
        var offset = 0
        while offset < request.count {
            let written = request[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw StackError("send: errno \(errno)") }
            offset += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }  // closed (the request was not kept alive), or the timeout
            received += buffer[0..<count]
            if FastCGIRecord.parseResponse(received) != nil { break }
        }
        return FastCGIRecord.parseResponse(received)
    }
}
