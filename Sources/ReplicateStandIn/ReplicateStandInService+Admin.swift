import FunctionRuntime

extension ReplicateStandInService {
    /// The `/_standin/…` control plane (no auth):
    /// - `GET /_standin/health` → `{"ok": true}`
    /// - `GET /_standin/faults` → the armed switches; `POST` merges a JSON object of them
    ///   (see ``FaultSettings``; 400 on unknown names or bad values); `DELETE` disarms all and
    ///   clears the `delayMs` and `delayJitterMs` overrides
    /// - `GET /_standin/calls` → `{"calls": [...]}` in arrival order, webhook delivery attempts
    ///   included (kind `webhook`, see ``CallRecord``); `DELETE` clears the log
    /// - `GET /_standin/stats` → counts per prediction and per input (see ``CallStatistics``)
    func admin(_ method: String, _ segments: [String], _ request: HTTPRequest) -> HTTPResponse {
        switch (segments.first ?? "", segments.count) {
        case ("health", 1):
            return method == "GET" ? .json(200, .object(["ok": .bool(true)])) : methodNotAllowed("GET")
        case ("faults", 1):
            switch method {
            case "GET":
                return .json(200, state.withLock { $0.faults.json })
            case "POST":
                guard let body = try? JSONValue.parse(request.body, options: .standIn) else {
                    return .problem(400, detail: "The request body is not valid JSON.")
                }
                return state.withLock { state in
                    var faults = state.faults
                    if let message = faults.merge(body) { return .problem(400, detail: message) }
                    state.faults = faults
                    return .json(200, faults.json)
                }
            case "DELETE":
                return .json(200, state.withLock { state in
                    state.faults = FaultSettings()
                    return state.faults.json
                })
            default:
                return methodNotAllowed("GET, POST, DELETE")
            }
        case ("calls", 1):
            switch method {
            case "GET":
                return .json(200, state.withLock { .object(["calls": .array($0.calls.map(\.json))]) })
            case "DELETE":
                let cleared = state.withLock { state in
                    defer { state.calls.removeAll() }
                    return state.calls.count
                }
                return .json(200, .object(["cleared": .int(cleared)]))
            default:
                return methodNotAllowed("GET, DELETE")
            }
        case ("stats", 1):
            guard method == "GET" else { return methodNotAllowed("GET") }
            let now = ContinuousClock.now
            return .json(200, state.withLock { state in
                CallStatistics.json(calls: state.calls) { state.status(of: $0, at: now) }
            })
        default:
            return .problem(404, detail: "No admin route /_standin/\(segments.joined(separator: "/")).")
        }
    }

    /// `GET /files/{id}.png`: the output of a succeeded prediction, else a file of that name in
    /// the files folder, else 404. Logged as a `file` call.
    func file(named name: String, request: HTTPRequest) -> HTTPResponse {
        let id = name.hasSuffix(".png") ? String(name.dropLast(4)) : nil
        let png = id.flatMap { outputPNG(id: $0) } ?? (name.hasSuffix(".png") ? files?.read(name: name) : nil)
        let known = id.map { id in state.withLock { $0.predictions[id] != nil } } ?? false
        let response = png.map { HTTPResponse(status: 200, contentType: "image/png",
                                              headers: [("Cache-Control", "no-store")], body: $0) }
            ?? .problem(404, detail: "File \(name) not found (or the prediction has not succeeded yet).")
        record(CallRecord(request, kind: .file, status: response.status, predictionID: known ? id : nil))
        return response
    }
}
