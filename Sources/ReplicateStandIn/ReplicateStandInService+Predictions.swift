extension ReplicateStandInService {
    /// `GET /v1/predictions/{id}`: the prediction as of now (404 when unknown).
    ///
    /// Fault order: a global or per-prediction hang is armed, then the global `get500`, then the
    /// prediction's own `get500`; otherwise 200 with the timeline's current state. The first GET
    /// that sees `succeeded` renders the output PNG (and writes it to the files folder).
    func get(id: String, request: HTTPRequest, base: String) -> HTTPResponse {
        var call = CallRecord(request, kind: .get, status: 0, predictionID: id)
        if let denied = authorized(request) {
            call.status = denied.status
            record(call)
            return denied
        }
        let now = ContinuousClock.now
        let (response, holdMs, succeeded): (HTTPResponse, Int, Bool) = state.withLock { state in
            var holdMs = state.faults.consumeHang()
            guard var prediction = state.predictions[id] else {
                call.predictionID = nil
                call.status = 404
                call.heldMs = holdMs
                state.record(call)
                return (.problem(404, detail: "Prediction \(id) not found."), holdMs, false)
            }
            if prediction.getHangMs > 0, FaultSettings.consume(&prediction.pendingGetHangs) {
                holdMs = max(holdMs, prediction.getHangMs)
            }
            var response: HTTPResponse
            var succeeded = false
            if FaultSettings.consume(&state.faults.get500) || FaultSettings.consume(&prediction.pendingGet500) {
                response = .problem(500, detail: "Internal server error (stand-in fault get500).")
            } else {
                let snapshot = prediction.snapshot(elapsedMs: prediction.elapsedMs(at: now))
                succeeded = snapshot.status == "succeeded" && prediction.outputPNG == nil
                response = .json(200, prediction.json(snapshot, baseURL: base))
            }
            state.predictions[id] = prediction
            call.status = response.status
            call.heldMs = holdMs
            state.record(call)
            return (response, holdMs, succeeded)
        }
        if succeeded { _ = outputPNG(id: id) }
        hold(milliseconds: holdMs)
        return response
    }

    /// `POST /v1/predictions/{id}/cancel`: a running prediction becomes `canceled` at once; a
    /// terminal one is returned unchanged (as Replicate does). 404 when unknown.
    func cancel(id: String, request: HTTPRequest, base: String) -> HTTPResponse {
        var call = CallRecord(request, kind: .cancel, status: 0, predictionID: id)
        if let denied = authorized(request) {
            call.status = denied.status
            record(call)
            return denied
        }
        let now = ContinuousClock.now
        return state.withLock { state in
            guard var prediction = state.predictions[id] else {
                call.predictionID = nil
                call.status = 404
                state.record(call)
                return .problem(404, detail: "Prediction \(id) not found.")
            }
            let elapsed = prediction.elapsedMs(at: now)
            if !prediction.snapshot(elapsedMs: elapsed).isTerminal {
                prediction.canceledAtMs = elapsed
                state.predictions[id] = prediction
            }
            call.status = 200
            state.record(call)
            return .json(200, prediction.json(prediction.snapshot(elapsedMs: elapsed), baseURL: base))
        }
    }

    /// `GET /v1/predictions`: every prediction, newest first, in one page
    /// (`{"next": null, "previous": null, "results": [...]}`).
    func list(base: String) -> HTTPResponse {
        let now = ContinuousClock.now
        return state.withLock { state in
            let results: [JSONValue] = state.order.reversed().compactMap { id in
                guard let prediction = state.predictions[id] else { return nil }
                return prediction.json(prediction.snapshot(elapsedMs: prediction.elapsedMs(at: now)), baseURL: base)
            }
            return .json(200, .object([("next", .null), ("previous", .null), ("results", .array(results))]))
        }
    }

    /// The output PNG of prediction `id` if it has succeeded, rendering it on first use (outside
    /// the lock) and writing it into the files folder when one is configured.
    func outputPNG(id: String) -> [UInt8]? {
        let now = ContinuousClock.now
        let found: (layers: [GarmentLayer], png: [UInt8]?)? = state.withLock { state in
            guard let prediction = state.predictions[id],
                  prediction.snapshot(elapsedMs: prediction.elapsedMs(at: now)).status == "succeeded" else { return nil }
            return (prediction.layers, prediction.outputPNG)
        }
        guard let found else { return nil }
        if let png = found.png { return png }
        let png = TryOnImageRenderer.png(layers: found.layers)
        let first = state.withLock { state in
            guard state.predictions[id]?.outputPNG == nil else { return false }
            state.predictions[id]?.outputPNG = png
            return true
        }
        if first, let files, let message = files.write(name: "\(id).png", bytes: png) {
            configuration.log?("files directory: \(message)")
        }
        return png
    }
}
