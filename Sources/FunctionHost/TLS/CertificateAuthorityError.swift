/// Why the local certificate authority could not be made or used: the file or command involved,
/// what went wrong (with openssl's own words when it was openssl), and what to do about it.
public struct CertificateAuthorityError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
