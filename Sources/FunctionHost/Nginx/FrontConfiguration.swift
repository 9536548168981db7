import FunctionRuntime

/// Generates the front's nginx.conf from `nginx/front.conf.template`: one nginx before several
/// `fnhost serve` hosts, each host's nginx a server of its upstreams.
///
/// Whether a request may be sent to a second host depends on its method, because only nginx knows
/// whether a request already went out to a host, and its one rule about that is by method
/// (`ngx_http_upstream_next` marks a failure after sending as non-idempotent only for POST, LOCK and
/// PATCH). The `$fnhost_front_method_class` map sorts requests into three locations:
/// - GET, HEAD, OPTIONS (`location /`): `proxy_next_upstream error timeout http_502 http_503
///   http_504`, over kept-alive connections: sent again to the next host on any failure.
/// - POST, PATCH, LOCK (`/_fnhost_front/sent-once`): `proxy_next_upstream error timeout` without
///   `non_idempotent`: the next host is tried while nothing was sent (connection refused, connect
///   timeout), never after.
/// - Every other method, PUT and DELETE among them (`/_fnhost_front/one-host`): nginx counts these as
///   idempotent and would send them again after a host got them (and its other rule,
///   `proxy_request_buffering off`, does not hold for a body read along with the headers). So nginx
///   never passes them on itself (`proxy_next_upstream off`); a failure goes to the named location
///   `@fnhost_front_one_host_again`, which answers it (502 or 504) when `$upstream_bytes_sent` says
///   bytes went out, and otherwise tries one more host, once, the same way.
///
/// The last two open a new connection per request: on a kept-alive connection the host closed in
/// the meantime the request would count as sent, and fail with a 502 no host ever saw. They exist
/// once per read timeout: a known function's location rewrites to the ones that wait as long as it
/// does (`/_fnhost_front/sent-once/17s`), so no method waits past the function's timeout.
public struct FrontConfiguration: Sendable {
    /// `listen` value, e.g. `0.0.0.0:80` or `127.0.0.1:8080`.
    public var listen: String
    /// The hosts, in the order nginx tries them (round robin). At least one.
    public var hosts: [UpstreamAddress]
    /// Hosts marked `down` (taken out by the active health probe, `FrontMembership`): nginx sends
    /// them nothing. Empty by default.
    public var down: Set<UpstreamAddress> = []
    /// nginx worker processes. Default 1 (`auto` = one per core).
    public var workerProcesses = "1"
    /// When nginx starts as root its workers run as this user (`nobody nogroup`). Nil leaves out the
    /// `user` directive.
    public var user: String?
    /// Idle kept-alive connections to the hosts each nginx worker keeps (upstream `keepalive`), for
    /// GET, HEAD and OPTIONS. Default 32; 0 opens a connection per request.
    public var keepalive = 32
    /// Seconds an idle kept-alive connection to a host stays open. Default 60: under a host nginx's
    /// 75 s, so the front closes it before the host does.
    public var keepaliveTimeoutSeconds = 60
    /// Failed attempts (by the `proxy_next_upstream` conditions) within `failTimeoutSeconds` after
    /// which nginx leaves a host out for `failTimeoutSeconds` (passive health check). Default 3
    /// (a single 503 a function answers itself does not take a host out); 0: never left out.
    public var maxFails = 3
    /// Seconds of the passive health check's window and of a host's time out. Default 10.
    public var failTimeoutSeconds = 10
    /// Seconds to connect to a host; past it the next host is tried (nothing was sent). Default 2.
    public var connectTimeoutSeconds = 2
    /// Seconds between two writes of a request to a host. Default 60.
    public var sendTimeoutSeconds = 60
    /// Seconds between two reads of a host's response. Default 3660: beyond the longest function
    /// timeout (3600 s) and a host's margin, so the host, not the front, answers a function's timeout.
    public var readTimeoutSeconds = 3660
    /// The functions the hosts serve (their catalog). A request to one waits for a host's answer no
    /// longer than the function's timeout plus `functionReadMarginSeconds`; then a GET, HEAD or
    /// OPTIONS goes to the next host, and any other method is answered 504 by the front: a host cut
    /// off from the network (which never answers, nor closes the connection) holds a status poll or
    /// a start for seconds, not for `readTimeoutSeconds`. Empty (the default: the front has no
    /// functions folder): every request waits up to `readTimeoutSeconds`.
    public var functions: [FunctionSpec] = []
    /// URL prefixes the hosts serve as files (`/results/`, with a slash at each end), each with the
    /// function a host passes a file it lacks to (nil: files only). A request there waits that
    /// function's timeout plus `functionReadMarginSeconds`, or the margin alone for files only (then
    /// a GET goes to the next host). Empty by default.
    public var staticPrefixes: [(prefix: String, fallback: FunctionSpec?)] = []
    /// Seconds a request to a known function waits for a host beyond the function's timeout.
    /// Default 7: beyond a host nginx's own margin (5 s), so a host that is up always answers first,
    /// its own 504 for a function that ran out of time included.
    public var functionReadMarginSeconds = 7
    /// The web page served at `/` (a folder with `index.html`) and the `func2url.json` served as
    /// `/func2url.json`, both absolute and readable by nginx's workers. Nil (the default): the hosts
    /// serve them like any other path.
    public var page: (directory: String, func2url: String)?

    /// The upstream the resendable requests use (kept-alive connections).
    static let upstreamName = "fnhost_hosts"
    /// The upstream of the other methods' requests (the same servers, a new connection each).
    static let freshUpstreamName = "fnhost_hosts_fresh"

    public init(listen: String, hosts: [UpstreamAddress]) {
        self.listen = listen
        self.hosts = hosts
    }

    /// The filled-in template. Unknown `@PLACEHOLDERS@` are left for nginx to reject, loudly.
    public func render(template: String) -> String {
        let errorPages = NginxErrorPage.directives(NginxErrorPage.standard, indent: 8)
            + NginxErrorPage.locations(NginxErrorPage.standard, indent: 8)
        return template
            .replacingEvery("@ERROR_PAGES@", with: errorPages)
            .replacingEvery("@PAGE_LOCATIONS@", with: page.map { NginxConfiguration.pageLocations(directory: $0.directory, func2url: $0.func2url) } ?? "")
            .replacingEvery("@FUNCTION_LOCATIONS@", with: functionLocations)
            .replacingEvery("@METHOD_REWRITES@", with: methodRewrites(readTimeoutSeconds: readTimeoutSeconds))
            .replacingEvery("@RESENDABLE_PROXY@", with: resendableProxy(readTimeoutSeconds: readTimeoutSeconds))
            .replacingEvery("@METHOD_CLASS_LOCATIONS@", with: methodClassLocations)
            .replacingEvery("@UPSTREAMS@", with: upstreams)
            .replacingEvery("@WORKER_PROCESSES@", with: workerProcesses)
            .replacingEvery("@USER@", with: user.map { "user \($0);" } ?? "")
            .replacingEvery("@LISTEN@", with: listen)
    }

    /// Both upstream blocks: the same servers, one with kept-alive connections.
    var upstreams: String {
        var text = "    # The hosts (passive health check: max_fails within fail_timeout; `down`: taken out by the probe).\n"
        for (name, keptAlive) in [(Self.upstreamName, true), (Self.freshUpstreamName, false)] {
            text += "    upstream \(name) {\n"
            for host in hosts {
                text += "        server \(host) max_fails=\(maxFails) fail_timeout=\(failTimeoutSeconds)s\(down.contains(host) ? " down" : "");\n"
            }
            if keptAlive, keepalive > 0 {
                text += "        keepalive \(keepalive);\n"
                text += "        keepalive_timeout \(keepaliveTimeoutSeconds)s;\n"
            }
            text += "    }\n"
        }
        return text
    }

    /// What sends a request that is not GET, HEAD or OPTIONS to the location of its class that
    /// waits `readTimeoutSeconds` for a host.
    func methodRewrites(readTimeoutSeconds seconds: Int) -> String {
        let suffix = classSuffix(readTimeoutSeconds: seconds).map { "/" + $0 } ?? ""
        return """
                    if ($fnhost_front_method_class = sent-once) {
                        rewrite ^ /_fnhost_front/sent-once\(suffix) last;
                    }
                    if ($fnhost_front_method_class = one-host) {
                        rewrite ^ /_fnhost_front/one-host\(suffix) last;
                    }
        """
    }

    /// One location per known function: `/<uuid>` (any case) or `/<name>`, with or without more path
    /// (a host answers that one's 400), as `location /` but with the function's own read timeout,
    /// for every method (the other methods' rewrites lead to their class's locations of that timeout).
    /// The static prefixes' locations come first (`^~`: before any regex location).
    var functionLocations: String {
        var text = ""
        for (prefix, fallback) in staticPrefixes {
            let seconds = readTimeout(for: fallback)
            let answeredBy = fallback.map { "files, or \($0.name)" } ?? "files"
            text += "        # \(prefix) (\(answeredBy)): a request waits \(seconds) s for a host (a GET then goes to the next).\n"
            text += "        location ^~ \(prefix) {\n" + methodRewrites(readTimeoutSeconds: seconds) + "\n"
            text += resendableProxy(readTimeoutSeconds: seconds) + "\n" + "        }\n"
        }
        for spec in functions {
            let seconds = readTimeout(for: spec)
            text += "        # \(spec.name): a request waits \(seconds) s for a host (a GET then goes to the next).\n"
            text += "        location ~ \"^/(?:(?i:\(spec.uuid))|\(spec.name))(?:/|$)\" {\n" + methodRewrites(readTimeoutSeconds: seconds) + "\n"
            text += resendableProxy(readTimeoutSeconds: seconds) + "\n" + "        }\n"
        }
        return text
    }

    /// How long a request to a known function waits for a host: the function's timeout (rounded up;
    /// none for a file) plus the margin, never longer than `readTimeoutSeconds`.
    func readTimeout(for function: FunctionSpec?) -> Int {
        let timeout = function.map { Int($0.configuration.timeoutSeconds.rounded(.up)) } ?? 0
        return min(readTimeoutSeconds, timeout + functionReadMarginSeconds)
    }

    /// `location /` and the functions': kept-alive connections, sent on to the next host on any failure.
    func resendableProxy(readTimeoutSeconds: Int) -> String {
        var text = "            proxy_pass http://\(Self.upstreamName);\n"
        text += "            proxy_next_upstream error timeout http_502 http_503 http_504;\n"
        text += "            proxy_set_header Connection \"\";\n"
        return text + commonProxy(readTimeoutSeconds: readTimeoutSeconds)
    }

    /// The read timeouts the method classes' internal locations are rendered for: the front's own
    /// (`readTimeoutSeconds`), then every other one a known function's or static prefix's location
    /// uses, ascending.
    var classReadTimeouts: [Int] {
        let used = Set(staticPrefixes.map { readTimeout(for: $0.fallback) } + functions.map { readTimeout(for: $0) })
        return [readTimeoutSeconds] + used.subtracting([readTimeoutSeconds]).sorted()
    }

    /// What ends the names of a read timeout's class locations: nil for the front's own, `17s` for
    /// 17 s (`/_fnhost_front/sent-once/17s`, `@fnhost_front_one_host_again_17s`).
    func classSuffix(readTimeoutSeconds seconds: Int) -> String? {
        seconds == readTimeoutSeconds ? nil : "\(seconds)s"
    }

    /// The internal locations of the `sent-once` and `one-host` classes, once per read timeout in
    /// `classReadTimeouts`, each trio differing from the others only in its names and timeout.
    var methodClassLocations: String {
        classReadTimeouts.map { seconds in
            let name = classSuffix(readTimeoutSeconds: seconds)
            let suffix = name.map { "/" + $0 } ?? "", again = "@fnhost_front_one_host_again" + (name.map { "_" + $0 } ?? "")
            var text = name == nil ? "" : "        # For the known functions' locations that wait \(seconds) s for a host.\n"
            text += "        location = /_fnhost_front/sent-once\(suffix) {\n            internal;\n" + sentOnceProxy(readTimeoutSeconds: seconds) + "\n        }\n\n"
            text += "        location = /_fnhost_front/one-host\(suffix) {\n            internal;\n            recursive_error_pages on;\n"
                + oneHostErrorPages(again: again) + "\n" + oneHostProxy(readTimeoutSeconds: seconds) + "\n        }\n\n"
            text += "        location \(again) {\n" + Self.oneHostFailureAnswers + oneHostProxy(readTimeoutSeconds: seconds) + "\n        }"
            return text
        }.joined(separator: "\n\n")
    }

    /// `/_fnhost_front/sent-once` (POST, PATCH, LOCK): the next host only while nothing was sent.
    func sentOnceProxy(readTimeoutSeconds seconds: Int) -> String {
        Self.rewrittenProxyPass + "            proxy_next_upstream error timeout;\n" + "            proxy_set_header Connection close;\n"
            + commonProxy(readTimeoutSeconds: seconds)
    }

    /// The `one-host` location's error pages: the standard ones, but a 502 or 504 (its host failed)
    /// goes to the location that decides whether another host may be tried.
    func oneHostErrorPages(again: String) -> String {
        let handedOn = [502, 504]
        let kept = NginxErrorPage.standard.filter { page in !page.caught.contains(where: handedOn.contains) }
        return NginxErrorPage.directives(kept, indent: 12) + "            error_page 502 504 = \(again);"
    }

    /// The start of `@fnhost_front_one_host_again`: the failure is the answer when anything was sent
    /// to the first host (`$fnhost_front_one_host_failed`); otherwise the proxying after it runs.
    static let oneHostFailureAnswers = """
                    if ($fnhost_front_one_host_failed = 502) {
                        return 502;
                    }
                    if ($fnhost_front_one_host_failed = 504) {
                        return 504;
                    }

        """

    /// `/_fnhost_front/one-host` and `@fnhost_front_one_host_again` (every other method): nginx
    /// passes the request to no other host itself.
    func oneHostProxy(readTimeoutSeconds seconds: Int) -> String {
        Self.rewrittenProxyPass + "            proxy_next_upstream off;\n" + "            proxy_set_header Connection close;\n"
            + commonProxy(readTimeoutSeconds: seconds)
    }

    /// A location reached by a rewrite passes the client's request line as it came (`$request_uri`:
    /// the rewrite changed only nginx's own `$uri`), to the upstream without kept-alive connections.
    static let rewrittenProxyPass = "            proxy_pass http://\(freshUpstreamName)$request_uri;\n"

    /// What the proxying locations share (`proxy_set_header` is all or nothing per level, so each
    /// location lists every header). HTTP/1.1: kept-alive connections, and the Host header a host's
    /// nginx requires.
    private func commonProxy(readTimeoutSeconds: Int) -> String {
        """
                    proxy_http_version 1.1;
                    proxy_set_header Host $fnhost_front_host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_connect_timeout \(connectTimeoutSeconds)s;
                    proxy_send_timeout \(sendTimeoutSeconds)s;
                    proxy_read_timeout \(readTimeoutSeconds)s;
        """
    }
}
