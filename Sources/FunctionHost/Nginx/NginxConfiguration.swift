import FunctionRuntime

/// Generates nginx.conf from `nginx/nginx.conf.template` and the function catalog: one upstream per
/// function (the master's socket for its pool) and one location per function that answers both
/// `/<uuid>` and `/<name>`, with an optional trailing slash (the query is kept).
public struct NginxConfiguration: Sendable {
    /// `listen` value: `127.0.0.1:8080` by default.
    public var listen: String
    /// nginx worker processes. Default 1 (`auto` = one per core).
    public var workerProcesses: String
    /// Idle kept-alive connections each nginx worker keeps per function (upstream `keepalive` with
    /// `fastcgi_keep_conn on`). Nil (the default) sizes it to twice the function's concurrency
    /// (at least 4), so every worker can keep serving its own connection directly; 0 opens a
    /// connection per request. Idle connections beyond the workers wait at the master, never
    /// pinning a worker.
    public var upstreamKeepalive: Int?
    /// Absolute path of the `fastcgi_params` file to include.
    public var fastCGIParamsPath: String
    /// When nginx starts as root its workers run as this user (`nobody`), which must be able to
    /// reach the sockets and temp folders. Nil leaves out the `user` directive.
    public var user: String?
    /// Seconds nginx waits for the host beyond a function's timeout, so the host (not nginx)
    /// answers timeouts with the platform's 504. Default 5.
    public var readTimeoutMarginSeconds: Int
    /// Folders served as static files (`/results/`), each with the function that answers for the
    /// files it lacks, if any. Default none.
    public var staticFolders: [NginxStaticFolder] = []
    /// The web page served at `/` (a folder with `index.html`), and the `func2url.json` the page
    /// reads its function URLs from (served as `/func2url.json`). Nil: `/` answers 404.
    public var page: (directory: String, func2url: String)?
    /// The loopback address of the host's status page and trigger control (`127.0.0.1:8081`), a
    /// server of its own so the public port never exposes it. Nil leaves it out.
    public var adminListen: String?
    /// Whether the public server passes `GET /_fnhost/health` to the master's admin socket (which
    /// must exist: `HostOptions.admin`), for balancers in front of the host. Default false.
    public var healthEndpoint = false
    /// The local stand-in for the platform's host (`functions.poehali.dev`), a TLS server of its
    /// own on a loopback port that serves the same function locations by uuid. Nil leaves it out.
    public var platformServer: NginxPlatformServer?

    public init(
        listen: String, workerProcesses: String = "1", upstreamKeepalive: Int? = nil, fastCGIParamsPath: String,
        user: String? = nil, readTimeoutMarginSeconds: Int = 5
    ) {
        self.listen = listen
        self.workerProcesses = workerProcesses
        self.upstreamKeepalive = upstreamKeepalive
        self.fastCGIParamsPath = fastCGIParamsPath
        self.user = user
        self.readTimeoutMarginSeconds = readTimeoutMarginSeconds
    }

    /// The filled-in template. Unknown `@PLACEHOLDERS@` are left for nginx to reject, loudly.
    public func render(template: String, catalog: FunctionCatalog, options: HostOptions) -> String {
        var upstreams = ""
        for (index, spec) in catalog.functions.enumerated() {
            upstreams += "    upstream \(Self.upstreamName(index: index, spec: spec)) {\n"
            upstreams += "        server unix:\(options.socketPath(for: spec.name));\n"
            let keepalive = keepalive(for: spec)
            if keepalive > 0 { upstreams += "        keepalive \(keepalive);\n" }
            upstreams += "    }\n"
        }
        var locations = functionLocations(catalog: catalog, byName: true)
        if healthEndpoint {
            locations += """
                        # The host's health for balancers: 200 while serving, 503 while starting or draining.
                        location = /_fnhost/health {
                            include \(fastCGIParamsPath);
                            fastcgi_param DOCUMENT_URI /_fnhost/health;
                            fastcgi_pass unix:\(options.adminSocketPath);
                            fastcgi_read_timeout 5s;
                        }

                """
        }
        for (index, folder) in staticFolders.enumerated() {
            locations += folder.locations(index: index, catalog: catalog)
        }
        if let page { locations += Self.pageLocations(directory: page.directory, func2url: page.func2url) }
        var admin = ""
        if let adminListen {
            admin = """
                    # The host's status page and trigger control: loopback only, never on the public port.
                    server {
                        listen \(adminListen);
                        location ~ "^/(status/?|metrics|trigger/[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)?)$" {
                            include \(fastCGIParamsPath);
                            fastcgi_param DOCUMENT_URI $uri;
                            fastcgi_pass unix:\(options.adminSocketPath);
                            fastcgi_read_timeout 10s;
                        }
                        location / {
                            default_type application/json;
                            return 404 '{"error":"Not found: GET /status, GET /metrics, POST /trigger/<function>[/<trigger>]"}';
                        }
                    }
                """
        }
        let platform = platformServer?.render(functionLocations: functionLocations(catalog: catalog, byName: false)) ?? ""
        return template
            .replacingEvery("@ERROR_PAGES@", with: NginxErrorPage.directives(NginxErrorPage.standard, indent: 8)
                + NginxErrorPage.locations(NginxErrorPage.standard, indent: 8))
            .replacingEvery("@PLATFORM_SERVER@", with: platform)
            .replacingEvery("@ADMIN_SERVER@", with: admin)
            .replacingEvery("@WORKER_PROCESSES@", with: workerProcesses)
            .replacingEvery("@USER@", with: user.map { "user \($0);" } ?? "")
            .replacingEvery("@LISTEN@", with: listen)
            .replacingEvery("@UPSTREAMS@", with: upstreams)
            .replacingEvery("@LOCATIONS@", with: locations)
    }
}

extension NginxConfiguration {
    /// The locations serving the web page: `/` (its `index.html`), `/func2url.json` (from
    /// `func2url`), and the page's flat files (`/app.js`, `/styles.css`, ...). Dotfiles are never
    /// served. A host and the front render the same ones.
    static func pageLocations(directory: String, func2url: String) -> String {
        """
                # The try-on page: static files, no build step. Dotfiles are never served.
                location = / {
                    root \(directory);
                    try_files /index.html =404;
                    add_header Cache-Control "no-cache";
                }
                location = /func2url.json {
                    alias \(func2url);
                    default_type application/json;
                    add_header Cache-Control "no-cache";
                }
                location ~ "^/[A-Za-z0-9_-]+\\.(html|js|css|svg|png|ico)$" {
                    root \(directory);
                    add_header Cache-Control "no-cache";
                }

        """
    }

    /// The upstream (the master's socket for the pool) of the function at `index` of the catalog.
    static func upstreamName(index: Int, spec: FunctionSpec) -> String {
        "fnhost_\(index)_\(spec.name.replacingDashes())"
    }

    /// Idle kept-alive connections to the function's upstream.
    func keepalive(for spec: FunctionSpec) -> Int {
        upstreamKeepalive ?? max(4, 2 * spec.configuration.concurrency)
    }

    /// The locations serving each function: `/<uuid>` (any case), and `/<name>` too when `byName`,
    /// with an optional trailing slash (the query is kept); an extra path after it is the platform's
    /// 400. The public server and the platform server both render these, so they serve alike.
    func functionLocations(catalog: FunctionCatalog, byName: Bool) -> String {
        var locations = ""
        for (index, spec) in catalog.functions.enumerated() {
            let upstream = Self.upstreamName(index: index, spec: spec)
            let keepalive = keepalive(for: spec)
            let readTimeout = Int(spec.configuration.timeoutSeconds.rounded(.up)) + readTimeoutMarginSeconds
            let identifier = byName ? "(?:(?i:\(spec.uuid))|\(spec.name))" : "(?i:\(spec.uuid))"
            locations += """
                        # \(spec.name): \(spec.url)
                        location ~ "^/\(identifier)/?$" {
                            include \(fastCGIParamsPath);
                            fastcgi_param FNHOST_REQUEST_ID $request_id;
                            fastcgi_param FUNCTION_NAME \(spec.name);
                            fastcgi_pass \(upstream);
                            fastcgi_keep_conn \(keepalive > 0 ? "on" : "off");
                            fastcgi_read_timeout \(readTimeout)s;
                            fastcgi_send_timeout \(readTimeout)s;
                            fastcgi_ignore_client_abort on;
                            fastcgi_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Buffering X-Accel-Charset;
                            fastcgi_buffer_size 16k;
                            fastcgi_buffers 16 64k;
                        }
                        location ~ "^/\(identifier)/." {
                            default_type application/json;
                            add_header X-Request-Id $fnhost_request_uuid always;
                            return 400 '{"errorCode":400,"errorMessage":"Invalid functionID: extra path after the function id","errorType":"ProxyIntegrationError"}';
                        }

                """
        }
        return locations
    }
}

extension String {
    fileprivate func replacingDashes() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    func replacingEvery(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var remainder = self[...]
        while let range = remainder.firstRange(of: target) {
            result += remainder[..<range.lowerBound]
            result += replacement
            remainder = remainder[range.upperBound...]
        }
        result += remainder
        return result
    }
}
