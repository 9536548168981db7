import FunctionRuntime

/// What a create asked for with `webhook` and `webhook_events_filter`.
///
/// `webhook` must be an absolute `http://` or `https://` URL with a host (no spaces or control
/// characters); `webhook_events_filter`, when present, a JSON array whose entries are all among
/// `start`, `output`, `logs` and `completed` (an empty array asks for nothing). Without a filter
/// Replicate sends `output` and `completed`, and so does the stand-in.
struct WebhookSubscription: Sendable, Equatable {
    /// The events a filter may name, in lifecycle order.
    enum Event: String, Sendable, CaseIterable {
        /// Processing began (the `starting` phase ended).
        case start
        /// The output appeared (here: on success, with the output URL).
        case output
        /// New log lines (here: when processing begins, the first lines appear).
        case logs
        /// The prediction became terminal: succeeded, failed, canceled or aborted.
        case completed
    }

    /// Where deliveries are POSTed.
    var url: String
    /// The filter exactly as sent (echoed in the prediction JSON); nil when absent.
    var filter: [String]?

    /// Whether deliveries for `event` are wanted.
    func wants(_ event: Event) -> Bool {
        guard let filter else { return event == .output || event == .completed }
        return filter.contains(event.rawValue)
    }

    /// Reads the create body's `webhook` and `webhook_events_filter`.
    /// - Returns: `.success(nil)` when no webhook was asked for (absent or `null`); a failure names
    ///   the offending field for the 422.
    static func parse(_ body: JSONValue) -> Result<WebhookSubscription?, IDMVTONInput.Invalid> {
        var filter: [String]?
        if let raw = body["webhook_events_filter"], raw != .null {
            guard let entries = raw.arrayValue else {
                return .failure(.init(field: "webhook_events_filter",
                                      detail: "webhook_events_filter: must be an array of event names"))
            }
            var names: [String] = []
            for entry in entries {
                guard let name = entry.stringValue, Event(rawValue: name) != nil else {
                    let known = Event.allCases.map(\.rawValue).joined(separator: ", ")
                    return .failure(.init(field: "webhook_events_filter",
                                          detail: "webhook_events_filter: unknown event \(entry.encoded(sortedKeys: false)); known: \(known)"))
                }
                names.append(name)
            }
            filter = names
        }
        guard let raw = body["webhook"], raw != .null else { return .success(nil) }
        guard let url = raw.stringValue, isHTTPURL(url) else {
            return .failure(.init(field: "webhook", detail: "webhook: must be an http:// or https:// URL"))
        }
        return .success(WebhookSubscription(url: url, filter: filter))
    }

    /// True for `http://host…` or `https://host…` (scheme in any case) without whitespace or
    /// control characters, and at most 2,048 bytes.
    static func isHTTPURL(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, text.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return false }
        let lowered = text.lowercased()
        for scheme in ["http://", "https://"] where lowered.hasPrefix(scheme) {
            let rest = lowered.dropFirst(scheme.count)
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let host = authority.split(separator: "@").last.map { $0.prefix { $0 != ":" } } ?? ""
            return !host.isEmpty || authority.hasPrefix("[")
        }
        return false
    }
}
