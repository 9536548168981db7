#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// A certificate authority of this run folder alone, so that a function's call to
/// `https://functions.poehali.dev/<uuid>` can be answered by the local nginx with a certificate
/// the caller verifies. Everything lives in `directory` (`<run dir>/tls`):
///
/// - `ca.key`, `ca.crt`: the authority (EC P-256, `authorityValidityDays`);
/// - `platform.key`, `platform.crt`: the server certificate for `hostNames` (subjectAltName),
///   signed by the authority (`leafValidityDays`);
/// - `bundle.crt`: the system's authorities (`systemCertificates`) followed by ours, what
///   `SSL_CERT_FILE` and `REQUESTS_CA_BUNDLE` point at, so callers verify our server certificate
///   and every real host alike;
/// - `openssl.cnf`: the extensions both certificates are made with.
///
/// Keys are mode 0600 from the moment they exist. `prepare()` makes them once with the `openssl`
/// command line and reuses them while they verify and stay valid beyond `renewalMarginSeconds`;
/// only the bundle is written on every start (the system's authorities may have been updated).
public struct LocalCertificateAuthority: Sendable {
    /// The folder of the files above (`<run dir>/tls`). Its parent must exist.
    public var directory: String
    /// The names the server certificate is valid for. Default `functions.poehali.dev`.
    public var hostNames: [String]
    /// The system's trusted authorities, one PEM file. Default `/etc/ssl/certs/ca-certificates.crt`
    /// (Debian's `ca-certificates`).
    public var systemCertificates: String
    /// The `openssl` executable. Default `/usr/bin/openssl`, else the first on PATH.
    public var openssl: String
    /// Days the authority's certificate is valid. Default 3650.
    public var authorityValidityDays: Int = 3650
    /// Days the server certificate is valid. Default 825 (the longest clients accept).
    public var leafValidityDays: Int = 825
    /// A certificate expiring within this many seconds is made anew at start. Default 7 days.
    public var renewalMarginSeconds: Int = 7 * 86_400

    public static let defaultSystemCertificates = "/etc/ssl/certs/ca-certificates.crt"

    public init(
        directory: String, hostNames: [String] = ["functions.poehali.dev"],
        systemCertificates: String = LocalCertificateAuthority.defaultSystemCertificates, openssl: String? = nil
    ) {
        self.directory = directory
        self.hostNames = hostNames
        self.systemCertificates = systemCertificates
        self.openssl = openssl ?? Self.findOpenSSL()
    }

    public var authorityKeyPath: String { directory + "/ca.key" }
    public var authorityCertificatePath: String { directory + "/ca.crt" }
    public var leafKeyPath: String { directory + "/platform.key" }
    public var leafCertificatePath: String { directory + "/platform.crt" }
    /// The system's authorities and ours, in one PEM file.
    public var bundlePath: String { directory + "/bundle.crt" }
    var configurationPath: String { directory + "/openssl.cnf" }
    var requestPath: String { directory + "/platform.csr" }

    /// What `prepare()` did.
    public enum Outcome: Sendable, Equatable {
        /// The authority and the server certificate were made now.
        case created
        /// The authority was kept; the server certificate was made now (missing, expiring, or not
        /// matching the authority or the host names).
        case renewedLeaf
        /// Both were kept from an earlier run.
        case reused
    }

    /// Makes the authority and the server certificate when they are missing or no longer valid,
    /// then writes the bundle. Throws naming the file or the openssl command that failed.
    @discardableResult
    public func prepare() throws(CertificateAuthorityError) -> Outcome {
        for name in hostNames where !Self.isPlainHostName(name) {
            throw CertificateAuthorityError("\"\(name)\" is not a host name a certificate can be made for")
        }
        guard access(openssl, X_OK) == 0 else {
            throw CertificateAuthorityError(
                "openssl was not found (\(openssl)): install Debian's openssl package (scripts/install-deps does), or turn local platform calls off with --platform-port 0")
        }
        guard let system = FileBytes.read(systemCertificates) else {
            throw CertificateAuthorityError(
                "Cannot read the system's certificate authorities (\(systemCertificates)): install Debian's ca-certificates package, or turn local platform calls off with --platform-port 0")
        }
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw CertificateAuthorityError("Cannot create \(directory): \(Self.reason(errno))")
        }
        try writeFile(configurationPath, Array(configuration.utf8), mode: 0o644)

        var outcome = Outcome.reused
        if !authorityIsUsable() {
            try makeAuthority()
            try makeLeaf()
            outcome = .created
        } else if !leafIsUsable() {
            try makeLeaf()
            outcome = .renewedLeaf
        }
        if !leafIsUsable() {
            throw CertificateAuthorityError(
                "The server certificate just made (\(leafCertificatePath)) does not verify against \(authorityCertificatePath); delete \(directory) to start over")
        }
        guard let authority = FileBytes.read(authorityCertificatePath) else {
            throw CertificateAuthorityError("Cannot read \(authorityCertificatePath)")
        }
        var bundle = system
        if let last = bundle.last, last != UInt8(ascii: "\n") { bundle.append(UInt8(ascii: "\n")) }
        bundle += Array("# fnhost's local certificate authority (\(authorityCertificatePath))\n".utf8)
        bundle += authority
        try writeFile(bundlePath, bundle, mode: 0o644)
        return outcome
    }

    /// The extensions of both certificates (read by `openssl req` and `openssl x509`).
    var configuration: String {
        """
        # Written by fnhost for its local certificate authority; remade at every start.
        [req]
        distinguished_name = subject
        prompt = no

        [subject]
        CN = fnhost local certificate authority

        [authority]
        basicConstraints = critical, CA:TRUE, pathlen:0
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash

        [platform]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = \(hostNames.map { "DNS:" + $0 }.joined(separator: ", "))
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always

        """
    }

    private func authorityIsUsable() -> Bool {
        guard access(authorityKeyPath, R_OK) == 0, access(authorityCertificatePath, R_OK) == 0 else { return false }
        return (try? run(["x509", "-noout", "-checkend", String(renewalMarginSeconds), "-in", authorityCertificatePath]))?.succeeded
            ?? false
    }

    private func leafIsUsable() -> Bool {
        guard access(leafKeyPath, R_OK) == 0, access(leafCertificatePath, R_OK) == 0 else { return false }
        guard (try? run(["x509", "-noout", "-checkend", String(renewalMarginSeconds), "-in", leafCertificatePath]))?.succeeded == true
        else { return false }
        for name in hostNames {
            let verified = try? run([
                "verify", "-CAfile", authorityCertificatePath, "-purpose", "sslserver", "-verify_hostname", name, leafCertificatePath,
            ])
            guard verified?.succeeded == true else { return false }
        }
        return true
    }

    private func makeAuthority() throws(CertificateAuthorityError) {
        let key = authorityKeyPath + ".new"
        try makeKey(key)
        let certificate = authorityCertificatePath + ".new"
        try runChecked(
            [
                "req", "-new", "-x509", "-config", configurationPath, "-key", key, "-sha256",
                "-days", String(authorityValidityDays), "-subj", "/O=fnhost/CN=fnhost local certificate authority",
                "-extensions", "authority", "-out", certificate,
            ], making: authorityCertificatePath)
        try rename(key, to: authorityKeyPath)
        try rename(certificate, to: authorityCertificatePath)
    }

    private func makeLeaf() throws(CertificateAuthorityError) {
        let key = leafKeyPath + ".new"
        try makeKey(key)
        defer { unlink(requestPath) }
        try runChecked(
            ["req", "-new", "-config", configurationPath, "-key", key, "-subj", "/CN=\(hostNames.first ?? "localhost")", "-out", requestPath],
            making: requestPath)
        let certificate = leafCertificatePath + ".new"
        try runChecked(
            [
                "x509", "-req", "-in", requestPath, "-CA", authorityCertificatePath, "-CAkey", authorityKeyPath, "-sha256",
                "-days", String(leafValidityDays), "-extfile", configurationPath, "-extensions", "platform", "-out", certificate,
            ], making: leafCertificatePath)
        try rename(key, to: leafKeyPath)
        try rename(certificate, to: leafCertificatePath)
    }

    /// A new EC P-256 private key at `path`, a file created with mode 0600 before openssl writes it.
    private func makeKey(_ path: String) throws(CertificateAuthorityError) {
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CertificateAuthorityError("Cannot create \(path): \(Self.reason(errno))") }
        close(descriptor)
        try runChecked(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path], making: path)
        chmod(path, 0o600)
    }

    private func run(_ arguments: [String]) throws(CertificateAuthorityError) -> ProcessSpawner.Completion {
        do {
            return try ProcessSpawner.runToCompletion([openssl] + arguments)
        } catch {
            throw CertificateAuthorityError("Cannot run \(openssl): \(error.description)")
        }
    }

    private func runChecked(_ arguments: [String], making path: String) throws(CertificateAuthorityError) {
        let completion = try run(arguments)
        guard completion.succeeded else {
            let said = completion.output.split(separator: "\n").prefix(8).joined(separator: "\n  ")
            throw CertificateAuthorityError(
                "Making \(path) failed: `openssl \(arguments.joined(separator: " "))` \(completion.outcome)\(said.isEmpty ? "" : ":\n  " + said)")
        }
    }

    private func rename(_ source: String, to target: String) throws(CertificateAuthorityError) {
        guard Glibc.rename(source, target) == 0 else {
            throw CertificateAuthorityError("Cannot rename \(source) to \(target): \(Self.reason(errno))")
        }
    }

    /// Writes `bytes` to a temporary file beside `path` with `mode`, then renames it over `path`.
    private func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(CertificateAuthorityError) {
        let temporary = path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw CertificateAuthorityError("Cannot create \(temporary): \(Self.reason(errno))") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress.map { $0 + written }, bytes.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw CertificateAuthorityError("Cannot write \(temporary): \(Self.reason(code))")
            }
            written += count
        }
        close(descriptor)
        try rename(temporary, to: path)
    }

    /// Letters, digits, dots and dashes: safe in a certificate request and in nginx's configuration.
    static func isPlainHostName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "-")
            }
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func findOpenSSL() -> String {
        ExecutableLookup.find("openssl", preferred: "/usr/bin/openssl", fallback: "/usr/bin/openssl")
    }
}
