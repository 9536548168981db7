import FunctionRuntime

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
        let (answer, holdMs): (Answer, Int) = state.withLock { state in
            var holdMs = state.faults.consumeHang()
            guard var prediction = state.predictions[id] else {
                call.predictionID = nil
                call.status = 404
                call.heldMs = holdMs
                state.record(call)
                return (.problem(.problem(404, detail: "Prediction \(id) not found.")), holdMs)
            }
            if prediction.getHangMs > 0, FaultSettings.consume(&prediction.pendingGetHangs) {
                holdMs = max(holdMs, prediction.getHangMs)
            }
            let answer: Answer
            if FaultSettings.consume(&state.faults.get500) || FaultSettings.consume(&prediction.pendingGet500) {
                answer = .problem(.problem(500, detail: "Internal server error (stand-in fault get500)."))
            } else {
                answer = .prediction(prediction, prediction.snapshot(elapsedMs: prediction.elapsedMs(at: now)))
            }
            state.predictions[id] = prediction
            call.status = answer.status
            call.heldMs = holdMs
            state.record(call)
            return (answer, holdMs)
        }
        let response = answer.response { prediction, snapshot in
            if snapshot.status == "succeeded", prediction.outputPNG == nil { _ = outputPNG(id: id) }
            return publicJSON(prediction, snapshot, base: base)
        }
        hold(milliseconds: holdMs)
        return response
    }

    /// `POST /v1/predictions/{id}/cancel`: a running prediction becomes `canceled` at once (and
    /// its webhook, if it wants `completed`, gets that delivery now); a terminal one is returned
    /// unchanged (as Replicate does). 404 when unknown.
    func cancel(id: String, request: HTTPRequest, base: String) -> HTTPResponse {
        var call = CallRecord(request, kind: .cancel, status: 0, predictionID: id)
        if let denied = authorized(request) {
            call.status = denied.status
            record(call)
            return denied
        }
        let now = ContinuousClock.now
        let (answer, canceledAtMs): (Answer, Int?) = state.withLock { state in
            guard var prediction = state.predictions[id] else {
                call.predictionID = nil
                call.status = 404
                state.record(call)
                return (.problem(.problem(404, detail: "Prediction \(id) not found.")), nil)
            }
            let elapsed = prediction.elapsedMs(at: now)
            var canceled: Int?
            if !prediction.snapshot(elapsedMs: elapsed).isTerminal {
                prediction.canceledAtMs = elapsed
                state.predictions[id] = prediction
                canceled = elapsed
            }
            call.status = 200
            state.record(call)
            return (.prediction(prediction, prediction.snapshot(elapsedMs: elapsed)), canceled)
        }
        if let canceledAtMs { scheduleCancellationWebhook(id: id, offsetMs: canceledAtMs) }
        return answer.response { publicJSON($0, $1, base: base) }
    }

    /// `GET /v1/predictions`: every prediction, newest first, in one page
    /// (`{"next": null, "previous": null, "results": [...]}`). Logged as a `list` call.
    func list(_ request: HTTPRequest, base: String) -> HTTPResponse {
        if let denied = authorized(request) {
            record(CallRecord(request, kind: .list, status: denied.status))
            return denied
        }
        let now = ContinuousClock.now
        let found: [(PredictionRecord, PredictionRecord.Snapshot)] = state.withLock { state in
            state.record(CallRecord(request, kind: .list, status: 200))
            return state.order.reversed().compactMap { id in
                state.predictions[id].map { ($0, $0.snapshot(elapsedMs: $0.elapsedMs(at: now))) }
            }
        }
        return .json(200, .page(found.map { publicJSON($0.0, $0.1, base: base) }))
    }

    /// The prediction object to send for `prediction` in `snapshot`. A succeeded sync-mode
    /// prediction (``PredictionRecord/inlineOutput``) carries its PNG as a `data:` URI, rendered
    /// here on first use, so this must not be called with the state lock held.
    func publicJSON(_ prediction: PredictionRecord, _ snapshot: PredictionRecord.Snapshot, base: String) -> JSONValue {
        guard prediction.inlineOutput, snapshot.status == "succeeded" else {
            return prediction.json(snapshot, baseURL: base)
        }
        return prediction.json(snapshot, baseURL: base, inlinePNG: prediction.outputPNG ?? outputPNG(id: prediction.id))
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

    /// What a locked section decided to answer: a prediction as of one moment (its JSON is built
    /// after the lock is released, since that may render a PNG), or a finished problem response.
    enum Answer {
        case prediction(PredictionRecord, PredictionRecord.Snapshot)
        case problem(HTTPResponse)

        /// The HTTP status the answer will have: 200 for a prediction.
        var status: Int {
            switch self {
            case .prediction: 200
            case let .problem(response): response.status
            }
        }

        /// The response: a prediction becomes a 200 with the JSON `body` builds for it.
        func response(_ body: (PredictionRecord, PredictionRecord.Snapshot) -> JSONValue) -> HTTPResponse {
            switch self {
            case let .prediction(prediction, snapshot): .json(200, body(prediction, snapshot))
            case let .problem(response): response
            }
        }
    }
}
