/// Serves one accepted connection until it closes: the HTTP/1.1 keep-alive loop.
///
/// Requests are answered strictly in order. The connection ends when the client closes or goes
/// idle past the receive timeout, after an answer to `Connection: close` (or HTTP/1.0 without
/// keep-alive), after a refused request (400/411/413/431/505, sent with `Connection: close`),
/// when the server is stopping, or, with no bytes at all, when the service drops the answer
/// (the `dropAfterCreate` fault). The caller owns and closes the descriptor.
struct ConnectionHandler {
    let fd: Int32
    let service: ReplicateStandInService
    /// `host:port` used for links when a request has no `Host` header.
    let fallbackHost: String
    /// Answers whether the server is stopping (checked between requests).
    let isStopping: @Sendable () -> Bool

    func run() {
        var reader = HTTPRequestReader(fd: fd, maxBodyBytes: service.configuration.maxBodyBytes)
        while !isStopping() {
            switch reader.next() {
            case .endOfStream:
                return
            case let .reject(response):
                _ = try? POSIXSocket.writeAll(fd, response.serialized(close: true))
                POSIXSocket.shutdownWrite(fd)
                return
            case let .request(request):
                guard let response = service.handle(request, fallbackHost: fallbackHost) else {
                    return  // dropAfterCreate: close with nothing sent
                }
                let close = request.wantsClose || isStopping()
                do {
                    try POSIXSocket.writeAll(fd, response.serialized(close: close, omitBody: request.method == "HEAD"))
                } catch {
                    return  // the client went away; nothing else to do
                }
                if close {
                    POSIXSocket.shutdownWrite(fd)
                    return
                }
            }
        }
    }
}
