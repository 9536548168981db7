/// A libfcgi call that failed, or a FastCGI stream that could not be read.
public struct FastCGIError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable {
        /// `FCGX_Init` or `FCGX_InitRequest` failed.
        case initializationFailed
        /// The peer closed the connection before a whole request arrived (normal for a kept-alive
        /// connection that nginx retires).
        case connectionClosed
        /// The request stream broke off or was not FastCGI.
        case protocolError
    }

    public var code: Code
    public var message: String
    /// libfcgi's return code, when one was involved.
    public var returnCode: Int32?

    public init(_ code: Code, _ message: String, returnCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.returnCode = returnCode
    }

    public var description: String {
        returnCode.map { "\(message) (libfcgi \($0))" } ?? message
    }
}
