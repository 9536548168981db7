extension ReplicateStandInService {
    /// The routes under `/v1/models`; `rest` holds the path segments after `models`.
    ///
    /// - `GET /v1/models` — one page listing the served model
    /// - `GET /v1/models/{owner}/{name}` — the model (404 naming it for any other model)
    /// - `GET /v1/models/{owner}/{name}/versions` — one page with the pinned version
    /// - `GET /v1/models/{owner}/{name}/versions/{id}` — a version (404 unless `id` is 64 hex digits)
    /// - `POST /v1/models/{owner}/{name}/predictions` — create on the model's latest version, any
    ///   model name (see ``create(_:model:base:)``)
    ///
    /// Reads need auth like every `/v1` route and are logged as `model` calls.
    func models(_ method: String, _ rest: [String], _ request: HTTPRequest, base: String) -> HTTPResponse? {
        if rest.count == 3, rest[2] == "predictions" {
            guard method == "POST" else { return methodNotAllowed("POST") }
            return create(request, model: "\(rest[0])/\(rest[1])", base: base)
        }
        let isModelRoute = rest.isEmpty || rest.count == 2 || ((rest.count == 3 || rest.count == 4) && rest[2] == "versions")
        guard isModelRoute else { return noRoute(request) }
        guard method == "GET" else { return methodNotAllowed("GET") }
        let response = authorized(request) ?? modelRead(rest, base: base)
        record(CallRecord(request, kind: .model, status: response.status))
        return response
    }

    /// The answer to an authorized model read (`rest` already known to be one of the GET shapes).
    private func modelRead(_ rest: [String], base: String) -> HTTPResponse {
        guard rest.count >= 2 else {
            return .json(200, .page([ModelCatalog.model(baseURL: base, runCount: runCount())]))
        }
        let owner = rest[0], name = rest[1]
        guard ModelCatalog.serves(owner: owner, name: name) else {
            return .problem(404, detail: "Model \(owner)/\(name) not found; the stand-in serves only \(ModelCatalog.fullName).")
        }
        switch rest.count {
        case 2:
            return .json(200, ModelCatalog.model(baseURL: base, runCount: runCount()))
        case 3:
            return .json(200, .page([ModelCatalog.version(id: ModelCatalog.latestVersion)]))
        default:
            let id = rest[3]
            guard ModelCatalog.isVersionID(id) else {
                return .problem(404, detail: "Version \(id) of \(ModelCatalog.fullName) not found; a version id is 64 hex digits.")
            }
            return .json(200, ModelCatalog.version(id: id))
        }
    }

    /// Predictions created so far for the served model (its `run_count`).
    private func runCount() -> Int {
        state.withLock { state in
            state.predictions.values.reduce(0) { $0 + ($1.model.lowercased() == ModelCatalog.fullName ? 1 : 0) }
        }
    }
}
