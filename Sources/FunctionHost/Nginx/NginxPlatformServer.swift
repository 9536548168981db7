/// The loopback TLS server that stands in for `functions.poehali.dev` when functions call each
/// other by their public URL: their workers resolve that name to `listen` and trust the local
/// certificate authority that signed `certificatePath`. It answers every function of the export
/// by `/<uuid>` with the same locations as the public server, and forwards any other path (a
/// function not in this export) to `upstream`, the real platform, verifying its certificate.
public struct NginxPlatformServer: Sendable {
    /// `127.0.0.1:PORT`. Loopback only: the functions of this host are its only clients.
    public var listen: String
    /// The `server_name`s, also the names the certificate is for. Default `functions.poehali.dev`.
    public var serverNames: [String]
    /// The server certificate and its key (`LocalCertificateAuthority`'s leaf).
    public var certificatePath: String
    public var certificateKeyPath: String
    /// Where other paths are forwarded. Default `https://functions.poehali.dev`.
    public var upstream: PlatformUpstream
    /// The authorities nginx trusts for an `https` upstream. Default the system's,
    /// `/etc/ssl/certs/ca-certificates.crt`.
    public var trustedCertificatesPath: String
    /// Name servers for the upstream's host (nginx resolves a host given by a variable at request
    /// time, with its own resolver): `ResolvConf.read().nameservers`. Empty while `upstream` is a
    /// host name: other paths answer a JSON 502 instead of being forwarded.
    public var resolvers: [String]
    /// Seconds a forwarded call may take to answer, the platform's longest function timeout.
    /// Default 3600.
    public var upstreamTimeoutSeconds: Int = 3600
    /// Seconds to connect to the upstream (and to resolve its name). Default 10.
    public var upstreamConnectTimeoutSeconds: Int = 10

    public init(
        listen: String, serverNames: [String] = ["functions.poehali.dev"], certificatePath: String, certificateKeyPath: String,
        upstream: PlatformUpstream = .platform,
        trustedCertificatesPath: String = LocalCertificateAuthority.defaultSystemCertificates, resolvers: [String]
    ) {
        self.listen = listen
        self.serverNames = serverNames
        self.certificatePath = certificatePath
        self.certificateKeyPath = certificateKeyPath
        self.upstream = upstream
        self.trustedCertificatesPath = trustedCertificatesPath
        self.resolvers = resolvers
    }

    /// Whether other paths can be forwarded: an address needs no resolver, a name does.
    public var canForward: Bool { upstream.hostIsAddress || !resolvers.isEmpty }

    /// The errors of forwarding, in place of the standard 502 and 504 in the fallback location.
    var forwardingErrorPages: [NginxErrorPage] {
        [
            NginxErrorPage(
                caught: [502], status: 502, name: "platform-502", errorType: "PlatformUnreachable",
                message:
                    "This function is not in the export fnhost serves, and the real platform (\(upstream.origin)) could not be reached"),
            NginxErrorPage(
                caught: [504], status: 504, name: "platform-504", errorType: "PlatformTimeout",
                message: "This function is not in the export fnhost serves, and the real platform (\(upstream.origin)) did not answer in time"),
        ]
    }

    /// The server block: `functionLocations` are the public server's locations of each function by uuid.
    func render(functionLocations: String) -> String {
        var text = """
                # Functions' calls to https://\(serverNames.first ?? "functions.poehali.dev")/<uuid> (the name resolves here in their
                # workers, and they trust the local certificate authority): the functions of this export by
                # uuid, exactly as on the public server; any other path is forwarded to \(upstream.origin).
                server {
                    listen \(listen) ssl;
                    server_name \(serverNames.joined(separator: " "));
                    ssl_certificate \(certificatePath);
                    ssl_certificate_key \(certificateKeyPath);
                    ssl_protocols TLSv1.2 TLSv1.3;
                    client_max_body_size 3584k;
                    client_body_buffer_size 3584k;
                    large_client_header_buffers 4 16k;

            """
        text += NginxErrorPage.directives(NginxErrorPage.standard, indent: 8) + "\n"
        text += NginxErrorPage.locations(NginxErrorPage.standard + forwardingErrorPages, indent: 8)
        text += "\n" + functionLocations
        text += "        # Not a function of this export: the real platform's answer.\n"
        text += "        location / {\n"
        guard canForward else {
            let message =
                "This function is not in the export fnhost serves, and the real platform (\(upstream.origin)) is unreachable: no name server in /etc/resolv.conf for nginx to resolve it with"
            text += """
                            default_type application/json;
                            add_header X-Request-Id $fnhost_request_uuid always;
                            return 502 '{"errorMessage":"\(message)","errorType":"PlatformUnreachable"}';
                        }
                    }

                """
            return text
        }
        // error_page here replaces the server's list: the whole list again, with forwarding's 502 and 504.
        text += NginxErrorPage.directives(NginxErrorPage.standard(replacing: forwardingErrorPages), indent: 12) + "\n"
        // A variable in proxy_pass makes nginx resolve the host per request (through `resolver`), so
        // an offline machine still starts; the request's URI and query are passed on unchanged.
        text += """
                        set $fnhost_platform_upstream "\(upstream.origin)";
                        proxy_pass $fnhost_platform_upstream;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_connect_timeout \(upstreamConnectTimeoutSeconds)s;
                        proxy_read_timeout \(upstreamTimeoutSeconds)s;
                        proxy_send_timeout \(upstreamTimeoutSeconds)s;

            """
        if !upstream.hostIsAddress {
            text += "            resolver \(resolvers.joined(separator: " ")) ipv6=off;\n"
            text += "            resolver_timeout \(upstreamConnectTimeoutSeconds)s;\n"
        }
        if upstream.isTLS {
            text += """
                            proxy_ssl_server_name on;
                            proxy_ssl_verify on;
                            proxy_ssl_verify_depth 4;
                            proxy_ssl_trusted_certificate \(trustedCertificatesPath);
                            proxy_ssl_protocols TLSv1.2 TLSv1.3;

                """
        }
        text += "        }\n    }\n"
        return text
    }
}
