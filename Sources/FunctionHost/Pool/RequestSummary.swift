/// The start of a request as the master peeks at it: enough to answer and log for a worker.
struct RequestSummary: Equatable {
    /// The FastCGI request id (nginx uses 1).
    var fastCGIRequestId: UInt16 = 1
    /// The request's UUID (`FNHOST_REQUEST_ID`), or "" when it had not arrived yet.
    var requestId: String = ""
    var method: String = ""
}
