/// One HTTP/1.1 exchange over a plain socket (see ``RawHTTPConnection``). Used by the hostile-input
/// corpus, which must reach nginx with malformed requests.
public enum RawHTTPClient {
    /// Sends `request` to 127.0.0.1:`port` and reads one final (non-1xx) response. A peer that
    /// stops reading (nginx refusing a body it will not take) is fine: the rest of the request is
    /// dropped and the response is read anyway.
    public static func exchange(port: Int, request: [UInt8], isHead: Bool = false, timeoutSeconds: Int = 10) throws -> RawHTTPResponse {
        let connection = try RawHTTPConnection(port: port, receiveTimeoutSeconds: timeoutSeconds)
        connection.sendWhatIsTaken(request)
        return try connection.readResponse(isHead: isHead)
    }
}
