/// A handler written in another language and run by an embedded interpreter (Python's
/// `handler(event, context)`): it takes the event as JSON text and gives its result back as JSON
/// text, exactly what the platform's runtimes exchange. The host builds the event and maps the
/// result with the same `EventBuilder` and `ResponseMapper` as for a Swift `CloudFunction`, so both
/// kinds of function see the same edge.
///
/// One instance per worker process, made when the process starts; `invoke` never runs concurrently
/// with itself and may block.
public protocol JSONFunction {
    /// One invocation.
    /// - Parameters:
    ///   - event: the event as compact JSON; with `integration == .raw`, the request body as it came.
    ///   - integration: how the request reached the function (`?integration=raw` or not).
    ///   - context: the invocation context (request id, deadline, ...).
    /// - Returns: the handler's result as JSON text.
    /// - Throws: `RuntimeError` with `.handlerFailed` (an exception: `errorType`, `stackTrace`),
    ///   `.initializationFailed` (the code could not be loaded) or `.malformedResponse` (a result that
    ///   is not JSON).
    mutating func invoke(event: [UInt8], integration: Integration, context: Context) throws(RuntimeError) -> [UInt8]
}

/// How an HTTP request is handed to a function, chosen by the caller with the `integration` query
/// parameter, as Yandex Cloud Functions documents it.
public enum Integration: Sendable, Equatable {
    /// The default: the request becomes the platform's event JSON, the result is a response object.
    case event
    /// `?integration=raw`: the body reaches the handler as it is, and the handler's result is the
    /// answer's body (status 200).
    case raw

    /// The integration a raw query string asks for (`integration=raw` anywhere in it).
    public static func of(query: String) -> Integration {
        guard query.utf8.count >= 15, query.contains("integration=") else { return .event }
        return QueryString.parse(query).last { $0.name == "integration" }?.value == "raw" ? .raw : .event
    }
}
