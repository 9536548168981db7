#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionHost

/// How functions' calls to `https://functions.poehali.dev/<uuid>` reach this host (the
/// `--platform-port` feature): the local certificate authority in `<run dir>/tls`, the nginx TLS
/// server on `127.0.0.1:<platform port>`, and the variables that point the workers at both.
struct PlatformRouting {
    /// The host name the exported functions call.
    static let platformHost = "functions.poehali.dev"

    /// The loopback TLS port.
    let port: Int
    let authority: LocalCertificateAuthority
    let upstream: PlatformUpstream

    /// Nil when the feature is off (`--platform-port 0`). Throws on a port that clashes with the
    /// others or an upstream that is not `http(s)://host[:port]`.
    init?(stack: StackOptions) throws {
        let port = stack.platformPort ?? stack.resolvedPort + 2
        guard port != 0 else { return nil }
        guard (1...65_535).contains(port) else { throw ValidationError("--platform-port must be 1-65535, or 0 to turn it off") }
        guard port != stack.resolvedPort, port != stack.resolvedAdminPort else {
            throw ValidationError("--platform-port \(port) is already the public or the status port: choose another")
        }
        guard let upstream = PlatformUpstream(url: stack.platformUpstream) else {
            throw ValidationError("--platform-upstream must be http(s)://host[:port] without a path, not \"\(stack.platformUpstream)\"")
        }
        self.port = port
        self.upstream = upstream
        authority = LocalCertificateAuthority(directory: stack.absoluteRunDirectory + "/tls", hostNames: [Self.platformHost])
    }

    /// `127.0.0.1:PORT`, what `FNHOST_PLATFORM_ADDRESS` says.
    var address: String { "127.0.0.1:\(port)" }

    /// The TLS server nginx runs (the files are `authority`'s, made by `prepare`).
    func nginxServer(resolvConf: ResolvConf) -> NginxPlatformServer {
        NginxPlatformServer(
            listen: address, serverNames: [Self.platformHost], certificatePath: authority.leafCertificatePath,
            certificateKeyPath: authority.leafKeyPath, upstream: upstream,
            trustedCertificatesPath: authority.systemCertificates, resolvers: resolvConf.nameservers)
    }

    /// Makes (or reuses) the certificate authority and writes the bundle.
    func prepare() throws {
        do {
            try authority.prepare()
        } catch {
            throw ValidationError("Local platform calls (--platform-port): \(error.description)")
        }
    }

    /// Sets, for every worker, `FNHOST_PLATFORM_ADDRESS` and the certificate bundle
    /// (`SSL_CERT_FILE` for urllib, http.client and ssl; `REQUESTS_CA_BUNDLE` for requests), each
    /// unless the user set it. A bundle variable naming the system's authorities themselves is
    /// replaced all the same: ours holds every one of them too. Returns notes on the values the
    /// user set to something else.
    func exportEnvironment() -> [String] {
        var notes: [String] = []
        let values = [
            ("FNHOST_PLATFORM_ADDRESS", address), ("SSL_CERT_FILE", authority.bundlePath),
            ("REQUESTS_CA_BUNDLE", authority.bundlePath),
        ]
        for (name, value) in values {
            if let given = getenv(name).map({ String(cString: $0) }), !given.isEmpty, given != value {
                let isBundle = name != "FNHOST_PLATFORM_ADDRESS"
                if !isBundle {
                    notes.append("    \(name) is set to \(given): functions' platform calls go there")
                    continue
                }
                if !Self.sameFile(given, authority.systemCertificates) {
                    notes.append("    \(name) is set to \(given): add \(authority.authorityCertificatePath) to it, or local calls fail verification")
                    continue
                }
            }
            setenv(name, value, 1)
        }
        return notes
    }

    /// Whether two paths name one file (symbolic links followed).
    static func sameFile(_ first: String, _ second: String) -> Bool {
        var one = stat()
        var other = stat()
        guard stat(first, &one) == 0, stat(second, &other) == 0 else { return false }
        return one.st_dev == other.st_dev && one.st_ino == other.st_ino
    }

    /// The banner's lines.
    func bannerLines(notes: [String]) -> [String] {
        [
            "  calls to https://\(Self.platformHost)/<uuid> of this export are served locally (TLS on \(address), CA \(authority.authorityCertificatePath)); other uuids go to \(upstream.origin)"
        ] + notes
    }
}
