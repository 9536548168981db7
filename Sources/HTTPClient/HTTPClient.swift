import CCurl

/// A blocking HTTP/1.1 (and HTTP/2 over TLS) client: one libcurl easy handle, reused across
/// requests so connections stay alive.
///
/// Not thread-safe, and deliberately not `Sendable`: a libcurl handle may be used by one thread
/// at a time. Create one per worker (thread or process) and never hand it on; requests from
/// one client run one after another, each blocking its caller until it completes or fails.
///
/// What every request gets, whatever the ``HTTPClientRequest`` says:
/// - Redirects are never followed: a 302 comes back as a 302 with its `Location` header.
/// - Only `http` and `https` URLs are allowed (no `file:`, `ftp:`, `gopher:` ...).
/// - `CURLOPT_NOSIGNAL` is on, so timeouts never use signals (safe with threads). libcurl then
///   does not ignore `SIGPIPE` for us: a host should ignore or handle it (a TLS write to a
///   closed peer can raise it).
/// - No `Expect: 100-continue` round trip, and no invented `Content-Type` for bodies.
/// - libcurl honours the usual `http_proxy` / `https_proxy` / `no_proxy` environment variables.
/// - When a *reused* keep-alive connection dies before any response byte arrives, libcurl
///   cannot tell it from a stale connection and re-sends the request once on a fresh one,
///   whatever the method: a server that received a POST and then hung up may see it twice.
///   (On a fresh connection it fails at once with `.connectionLost`.)
public final class HTTPClient {
    private let easy: CurlEasyHandle

    /// Creates the easy handle (and, the first time in the process, initialises libcurl).
    ///
    /// - Throws: ``HTTPClientError`` `.transport` if libcurl cannot initialise or allocate.
    public init() throws(HTTPClientError) {
        self.easy = try CurlEasyHandle()
    }

    /// Sends `request` and waits for the whole response, body included.
    ///
    /// Any received status (2xx, 3xx, 4xx, 5xx) is a success. Throws only when there is no
    /// complete final response: see ``HTTPClientError/Code``. The handle stays usable after an
    /// error; libcurl drops a connection it can no longer trust.
    public func send(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        try request.validate()
        try easy.reset()
        if request.publicAddressesOnly { try easy.refusePrivatePeers() }
        try configureTransfer(request)
        try configureMethodAndBody(request)

        let headerList = try HTTPClient.makeHeaderList(for: request)
        let outcome: Result<HTTPClientResponse, HTTPClientError>
        do throws(HTTPClientError) {
            try easy.set(CURLOPT_HTTPHEADER, list: headerList, "CURLOPT_HTTPHEADER")
            outcome = .success(try perform(request))
        } catch {
            outcome = .failure(error)
        }
        // Options stick to a reused handle: detach the list before freeing it, so the handle
        // never points at freed memory, whatever happened above.
        let detached: HTTPClientError?
        do throws(HTTPClientError) {
            try easy.set(CURLOPT_HTTPHEADER, list: nil, "CURLOPT_HTTPHEADER")
            detached = nil
        } catch {
            detached = error
        }
        curl_slist_free_all(headerList)

        let response = try outcome.get()
        if let detached { throw detached }
        return response
    }

    // MARK: - Configuration

    /// Options independent of method and body: safety, limits, URL, callbacks' targets.
    private func configureTransfer(_ request: HTTPClientRequest) throws(HTTPClientError) {
        try easy.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds, "CURLOPT_CONNECTTIMEOUT_MS")
        try easy.set(CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds, "CURLOPT_TIMEOUT_MS")
        if request.maxResponseBytes > 0 {
            // Early refusal when the server announces a bigger Content-Length (0 would mean
            // "no limit" to libcurl); the write callback enforces the limit in every case.
            try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: request.maxResponseBytes, "CURLOPT_MAXFILESIZE_LARGE")
        }
        try easy.set(CURLOPT_URL, request.url, "CURLOPT_URL")
        try easy.set(CURLOPT_HEADERFUNCTION, callback: CurlCallbacks.header, "CURLOPT_HEADERFUNCTION")
        try easy.set(CURLOPT_WRITEFUNCTION, callback: CurlCallbacks.body, "CURLOPT_WRITEFUNCTION")
    }

    /// Method and body. `HEAD` uses `CURLOPT_NOBODY` (so libcurl does not wait for a body that
    /// never comes); a body goes through `CURLOPT_COPYPOSTFIELDS`; any method other than
    /// `GET`/`HEAD`/`POST` (and `GET` with a body) is named with `CURLOPT_CUSTOMREQUEST`.
    private func configureMethodAndBody(_ request: HTTPClientRequest) throws(HTTPClientError) {
        switch request.method {
        case "HEAD":
            try easy.set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        case "GET" where request.body.isEmpty:
            try easy.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        default:
            if !request.body.isEmpty || request.alwaysSendsBody {
                try easy.setBody(request.body)  // makes it a POST-shaped request
            }
            if request.method != "POST" {
                try easy.set(CURLOPT_CUSTOMREQUEST, request.method, "CURLOPT_CUSTOMREQUEST")
            }
        }
    }

    /// The `curl_slist` for `CURLOPT_HTTPHEADER`: the caller's headers plus our suppressions.
    /// The caller frees it with `curl_slist_free_all` (after detaching it from the handle).
    static func makeHeaderList(for request: HTTPClientRequest) throws(HTTPClientError) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for line in headerLines(for: request) {
            guard let extended = line.withCString({ curl_slist_append(list, $0) }) else {
                curl_slist_free_all(list)
                throw HTTPClientError(code: .transport, message: "curl_slist_append failed (out of memory)")
            }
            list = extended
        }
        return list
    }

    /// The header lines in libcurl's syntax. `Name: value` sends a header; `Name;` sends it with
    /// an empty value (`Name:` alone would remove it); a bare `Name:` we add removes one of
    /// libcurl's defaults: `Expect` (no 100-continue wait) and, for a body, `Content-Type`
    /// (libcurl would claim `application/x-www-form-urlencoded`).
    static func headerLines(for request: HTTPClientRequest) -> [String] {
        var lines = request.headers.map { header in
            header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
        }
        if !request.headers.contains(where: { $0.hasName("Expect") }) {
            lines.append("Expect:")
        }
        let sendsBody = request.method != "HEAD" && (!request.body.isEmpty || request.alwaysSendsBody)
        if sendsBody && !request.headers.contains(where: { $0.hasName("Content-Type") }) {
            lines.append("Content-Type:")
        }
        return lines
    }

    // MARK: - Transfer

    /// Runs the configured transfer, collecting headers and body into a fresh accumulator.
    private func perform(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        let accumulator = ResponseAccumulator(limit: request.maxResponseBytes)
        // libcurl holds these unretained pointers only during perform; `withExtendedLifetime`
        // guarantees the accumulator lives until then. They are cleared by the next reset.
        let context = UnsafeRawPointer(Unmanaged.passUnretained(accumulator).toOpaque())
        return try withExtendedLifetime(accumulator) { () throws(HTTPClientError) -> HTTPClientResponse in
            try easy.set(CURLOPT_HEADERDATA, pointer: context, "CURLOPT_HEADERDATA")
            try easy.set(CURLOPT_WRITEDATA, pointer: context, "CURLOPT_WRITEDATA")
            try easy.perform(responseCapHit: { accumulator.limitExceeded })
            let status = try easy.info(CURLINFO_RESPONSE_CODE, "CURLINFO_RESPONSE_CODE")
            return HTTPClientResponse(status: status, headers: accumulator.headers, body: accumulator.body)
        }
    }
}
