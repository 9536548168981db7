import CCurl

/// Process-wide libcurl initialisation, done exactly once.
///
/// `curl_global_init` must run once per process before any other libcurl call, and is not
/// thread-safe against other libcurl calls. A Swift `static let` is initialised lazily under
/// `swift_once`: the first ``CurlEasyHandle`` to be created runs it, any thread racing it
/// waits, and every later handle reads the stored result. The matching `curl_global_cleanup`
/// is deliberately never called: handles may live until exit, and the OS frees the rest.
/// A process that wants to be strict can still create its first ``HTTPClient`` in `main`
/// before starting threads.
enum CurlGlobal {
    /// The `CURLcode` of the one `curl_global_init(CURL_GLOBAL_DEFAULT)` call, as a raw number.
    static let initResult: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

    /// Runs the initialisation if nobody has yet, and reports its failure to every caller.
    static func ensureInitialised() throws(HTTPClientError) {
        let code = CURLcode(rawValue: initResult)
        guard code == CURLE_OK else {
            throw HTTPClientError(curlCode: code, operation: "curl_global_init")
        }
    }
}

/// Owner of one libcurl easy handle and its error buffer; the only type that calls libcurl.
///
/// Every libcurl call returning a `CURLcode` passes ``check(_:_:responseCapHit:)``, which
/// turns a non-OK code into an ``HTTPClientError`` with libcurl's text copied into Swift at
/// once. Not thread-safe (neither is a curl handle): one per ``HTTPClient``, one per worker.
final class CurlEasyHandle {
    /// The `CURL *` (imported as a raw pointer because curl declares `CURL` as `void`).
    private let handle: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER`: libcurl writes a specific message here on failure. Must outlive
    /// every transfer, so it lives exactly as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws(HTTPClientError) {
        try CurlGlobal.ensureInitialised()
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(code: .transport, message: "curl_easy_init returned NULL")
        }
        self.handle = handle
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    // MARK: - The one checked helper

    /// Throws unless `code` is `CURLE_OK`.
    ///
    /// - Parameters:
    ///   - operation: the libcurl function or option name, for the message.
    ///   - responseCapHit: whether our write callback hit `maxResponseBytes`, which turns a
    ///     `CURLE_WRITE_ERROR` into `.responseTooLarge`.
    func check(_ code: CURLcode, _ operation: String, responseCapHit: Bool = false) throws(HTTPClientError) {
        guard code != CURLE_OK else { return }
        // Copy libcurl's error buffer at once: the next transfer overwrites it.
        let detail = String(cString: errorBuffer)
        throw HTTPClientError(curlCode: code, operation: operation, detail: detail, responseCapHit: responseCapHit)
    }

    // MARK: - Typed options (each through `check`)

    /// Clears every option (back to libcurl defaults) while keeping live connections and the
    /// DNS cache, so nothing from the previous request (method, body, headers) leaks into the
    /// next one. Re-arms the error buffer and the close-on-exec socket callback, which the reset
    /// also clears.
    func reset() throws(HTTPClientError) {
        curl_easy_reset(handle)  // returns void: nothing to check
        errorBuffer[0] = 0
        try check(fh_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try check(fh_curl_setopt_cloexec_sockets(handle), "CURLOPT_OPENSOCKETFUNCTION")
    }

    /// Makes this transfer connect afresh, through a socket that refuses private peers
    /// (``NetworkAddress``): libcurl then fails the connect as it would a refused one. Fresh, so a
    /// kept-alive connection another request opened without the check is never reused. Cleared by
    /// ``reset()``.
    func refusePrivatePeers() throws(HTTPClientError) {
        try check(fh_curl_setopt_opensocket(handle, publicPeerSocket), "CURLOPT_OPENSOCKETFUNCTION")
        try set(CURLOPT_FRESH_CONNECT, 1, "CURLOPT_FRESH_CONNECT")
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws(HTTPClientError) {
        try check(fh_curl_setopt_long(handle, option, value), name)
    }

    func set(_ option: CURLoption, offset value: Int, _ name: String) throws(HTTPClientError) {
        try check(fh_curl_setopt_off(handle, option, curl_off_t(value)), name)
    }

    /// A string option; libcurl copies the string, so the `withCString` scope is enough.
    func set(_ option: CURLoption, _ value: String, _ name: String) throws(HTTPClientError) {
        let code = value.withCString { fh_curl_setopt_string(handle, option, $0) }
        try check(code, name)
    }

    func set(_ option: CURLoption, pointer value: UnsafeRawPointer?, _ name: String) throws(HTTPClientError) {
        try check(fh_curl_setopt_pointer(handle, option, value), name)
    }

    /// A list option; libcurl does NOT copy the list: keep it alive until perform returns.
    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?, _ name: String) throws(HTTPClientError) {
        try check(fh_curl_setopt_slist(handle, option, list), name)
    }

    func set(_ option: CURLoption, callback: curl_write_callback, _ name: String) throws(HTTPClientError) {
        try check(fh_curl_setopt_write_callback(handle, option, callback), name)
    }

    /// Copies `bytes` into libcurl as the request body (`CURLOPT_POSTFIELDSIZE_LARGE` first, so
    /// binary data with NUL bytes is copied whole, then `CURLOPT_COPYPOSTFIELDS`). libcurl owns
    /// the copy, so the Swift array need not outlive this call. Implies method POST unless
    /// `CURLOPT_CUSTOMREQUEST` says otherwise.
    func setBody(_ bytes: [UInt8]) throws(HTTPClientError) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: bytes.count, "CURLOPT_POSTFIELDSIZE_LARGE")
        // COPYPOSTFIELDS needs a non-NULL pointer even for 0 bytes; an empty array may have none.
        let code: CURLcode = bytes.isEmpty
            ? "".withCString { fh_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0) }
            : bytes.withUnsafeBytes { fh_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        try check(code, "CURLOPT_COPYPOSTFIELDS")
    }

    // MARK: - Transfer and info

    /// Runs the transfer configured so far; blocks the calling thread until it ends.
    ///
    /// - Parameter responseCapHit: asked only after the transfer, to classify a write error.
    func perform(responseCapHit: () -> Bool) throws(HTTPClientError) {
        let code = curl_easy_perform(handle)
        try check(code, "curl_easy_perform", responseCapHit: responseCapHit())
    }

    func info(_ info: CURLINFO, _ name: String) throws(HTTPClientError) -> Int {
        var value = 0
        try check(fh_curl_getinfo_long(handle, info, &value), name)
        return value
    }
}

/// The socket libcurl asks for, close-on-exec from birth, unless the peer's address is private.
private let publicPeerSocket: curl_opensocket_callback = { _, _, address in
    guard let address, let offset = MemoryLayout<curl_sockaddr>.offset(of: \.addr) else { return curl_socket_t(-1) }
    let peer = (UnsafeRawPointer(address) + offset).assumingMemoryBound(to: sockaddr.self)
    guard !NetworkAddress.isPrivate(peer) else { return curl_socket_t(-1) }
    return socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
}
