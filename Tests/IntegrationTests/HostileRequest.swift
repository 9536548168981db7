import FnhostTestSupport
import Foundation

/// One malformed or hostile request of the corpus: the exact bytes sent over the socket, the
/// category it belongs to (for the report), and what the stack must answer.
struct HostileRequest {
    enum Expectation: String {
        /// A 4xx whose body is a JSON object naming what is wrong (the rule for hostile input).
        case refused
        /// Anything but a 5xx, still as JSON (the worker called with its right token: a request it
        /// may legitimately serve, but never by failing).
        case notServerError = "not_server_error"
    }

    /// The function's route (`/replicate-async-start`); the target may add a query or extra path.
    var function: String
    var category: String
    /// What makes it hostile, for failure messages.
    var label: String
    var bytes: [UInt8]
    var expectation: Expectation
    /// HEAD responses carry no body, so only their status and Content-Type are checked.
    var isHead: Bool

    /// A request from its parts. `Host` (unless `host` is nil) and `Connection: close` come first;
    /// `Content-Length` is added for a non-empty body unless `contentLength` says otherwise
    /// (`.omit`, or a value of its own).
    init(
        function: String, category: String, label: String, method: String = "GET", target: String? = nil,
        version: String = "HTTP/1.1", host: String? = "127.0.0.1", headers: [(String, [UInt8])] = [], body: [UInt8] = [],
        contentLength: ContentLength = .automatic, expectation: Expectation = .refused
    ) {
        self.init(
            function: function, category: category, label: label, rawTarget: Array((target ?? function).utf8), method: method,
            version: version, host: host, headers: headers, body: body, contentLength: contentLength, expectation: expectation)
    }

    /// The same with a target of raw bytes (invalid UTF-8 in the path or query).
    init(
        function: String, category: String, label: String, rawTarget: [UInt8], method: String = "GET",
        version: String = "HTTP/1.1", host: String? = "127.0.0.1", headers: [(String, [UInt8])] = [], body: [UInt8] = [],
        contentLength: ContentLength = .automatic, expectation: Expectation = .refused
    ) {
        var bytes = Array(method.utf8) + [0x20] + rawTarget + [0x20] + Array(version.utf8) + [13, 10]
        func line(_ name: String, _ value: [UInt8]) { bytes += Array(name.utf8) + Array(": ".utf8) + value + [13, 10] }
        if let host { line("Host", Array(host.utf8)) }
        line("Connection", Array("close".utf8))
        for (name, value) in headers { line(name, value) }
        switch contentLength {
        case .automatic where !body.isEmpty: line("Content-Length", Array(String(body.count).utf8))
        case .value(let text): line("Content-Length", Array(text.utf8))
        case .automatic, .omit: break
        }
        bytes += [13, 10] + body
        self.function = function
        self.category = category
        self.label = label
        self.bytes = bytes
        self.expectation = expectation
        isHead = method == "HEAD"
    }

    /// A request written out in full by the caller (request line and all), for malformations the
    /// builder cannot express.
    init(function: String, category: String, label: String, raw: [UInt8], expectation: Expectation = .refused) {
        self.function = function
        self.category = category
        self.label = label
        bytes = raw
        self.expectation = expectation
        isHead = false
    }

    enum ContentLength {
        case automatic
        case omit
        case value(String)
    }

    /// `label`, with the function, for messages.
    var name: String { "\(function) [\(category)] \(label)" }
}

/// Header helpers for building corpus entries.
extension Array where Element == (String, [UInt8]) {
    static func text(_ pairs: [(String, String)]) -> [(String, [UInt8])] {
        pairs.map { ($0.0, [UInt8]($0.1.utf8)) }
    }
}
