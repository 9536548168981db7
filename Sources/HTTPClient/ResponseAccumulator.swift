import CCurl

/// Collects one response while libcurl delivers it: header lines and body bytes.
///
/// libcurl calls back into C function pointers, which cannot capture Swift context. So the
/// callbacks in ``CurlCallbacks`` are capture-free, and this object travels to them as the
/// `void *` of `CURLOPT_HEADERDATA` / `CURLOPT_WRITEDATA` via `Unmanaged.passUnretained`.
/// The caller keeps it alive across `curl_easy_perform` with `withExtendedLifetime`.
/// One per request; touched only by the thread running the transfer.
final class ResponseAccumulator {
    /// Largest body accepted, in bytes (``HTTPClientRequest/maxResponseBytes``).
    let limit: Int
    /// Body bytes received so far, never more than ``limit``.
    private(set) var body: [UInt8] = []
    /// Header fields of the latest response seen so far (reset at each status line).
    private(set) var headers: [HTTPHeader] = []
    /// Set when the body would have passed ``limit`` and the write callback refused it.
    private(set) var limitExceeded = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Handles one complete header line from libcurl (status line, field, or blank line).
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        if HTTPHeader.isStatusLine(line) {
            // A new response starts (a 1xx before the final one, or the final one): everything
            // collected belonged to an earlier response. The status line itself is dropped;
            // the code comes from CURLINFO_RESPONSE_CODE.
            headers.removeAll(keepingCapacity: true)
            return
        }
        if HTTPHeader.isContinuationLine(line), let previous = headers.indices.last {
            // Obsolete line folding (RFC 9112 §5.2): join with a single space.
            let more = HTTPHeader.trimmedText(line)
            if !more.isEmpty { headers[previous].value += " " + more }
            return
        }
        // Blank line ending the block, or a malformed line: nil, dropped.
        if let header = HTTPHeader(rawLine: line) {
            headers.append(header)
        }
    }

    /// Appends body bytes; returns false (and remembers why) if they would pass the limit.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard chunk.count <= limit - body.count else {
            limitExceeded = true
            return false
        }
        body.append(contentsOf: chunk)
        return true
    }
}

/// The capture-free C callbacks handed to libcurl.
///
/// `static let`s in an enum, not globals in `main.swift` (those would be main-actor isolated).
/// Each returns the number of bytes it consumed; anything else makes libcurl abort the
/// transfer with `CURLE_WRITE_ERROR`.
enum CurlCallbacks {
    /// `CURLOPT_HEADERFUNCTION`: one call per complete header line, CR LF included.
    static let header: curl_write_callback = { data, size, count, context in
        let length = size * count
        guard let context else { return 0 }
        let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
        accumulator.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length))
        return length
    }

    /// `CURLOPT_WRITEFUNCTION`: body bytes, in chunks of any size (zero included).
    static let body: curl_write_callback = { data, size, count, context in
        let length = size * count
        guard let context else { return 0 }
        let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
        guard let data else { return 0 }  // 0 bytes consumed: aborts unless length is 0
        // A refused chunk is never empty (0 bytes always fit), so returning 0 means "abort".
        let accepted = accumulator.receiveBody(UnsafeRawBufferPointer(start: data, count: length))
        return accepted ? length : 0
    }
}
