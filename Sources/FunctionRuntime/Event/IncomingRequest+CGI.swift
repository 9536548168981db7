/// Reading a request from FastCGI/CGI parameters, as nginx's `fastcgi_params` names them plus ours
/// (`FNHOST_REQUEST_ID`: the request's id, nginx's `$request_id`).
///
/// This is the worker's entry for every request that arrives over FastCGI, kept here (not in the
/// FastCGI-bound host) so that it can be tested and fuzzed without a socket: whatever the parameters
/// hold, it returns a request and never traps.
extension IncomingRequest {
    /// The request the parameters describe.
    ///
    /// - Parameters:
    ///   - parameters: every parameter in the order the web server sent it; repeated names are kept.
    ///     `REQUEST_METHOD` (default `GET`), `QUERY_STRING`, `REMOTE_ADDR` (default `127.0.0.1`),
    ///   `REMOTE_PORT` (default 0 when absent or not a number), `CONTENT_TYPE`, `CONTENT_LENGTH` (left
    ///   out when empty or `0`) and every `HTTP_*` (a request header) are read; others are ignored.
    ///   - body: the body bytes as read.
    ///   - receivedAtMilliseconds: when the request arrived (Unix epoch milliseconds).
    public init(cgiParameters parameters: [(name: String, value: String)], body: [UInt8], receivedAtMilliseconds: Int64) {
        var method = "GET"
        var query = ""
        var remoteAddress = "127.0.0.1"
        var remotePort = 0
        var requestId: String?
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(parameters.count / 2)
        for (name, value) in parameters {
            switch name {
            case "REQUEST_METHOD": method = value
            case "QUERY_STRING": query = value
            case "REMOTE_ADDR": remoteAddress = value
            case "REMOTE_PORT": remotePort = Int(value) ?? 0
            case "FNHOST_REQUEST_ID": requestId = value
            case "CONTENT_TYPE" where !value.isEmpty: headers.append(("Content-Type", value))
            case "CONTENT_LENGTH" where !value.isEmpty && value != "0": headers.append(("Content-Length", value))
            default:
                if let header = HeaderName.fromCGIParameter(name) { headers.append((header, value)) }
            }
        }
        self.init(
            method: method, query: query, headers: headers, body: body, remoteAddress: remoteAddress,
            remotePort: remotePort, receivedAtMilliseconds: receivedAtMilliseconds,
            requestId: requestId.flatMap(RequestID.fromNginx) ?? RequestID.make())
    }
}
