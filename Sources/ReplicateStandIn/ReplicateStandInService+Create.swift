import FunctionRuntime

extension ReplicateStandInService {
    /// `POST /v1/predictions` (model nil; body names a `version`) or
    /// `POST /v1/models/{owner}/{name}/predictions` (model given; the pinned version is reported).
    ///
    /// Order of checks: auth (401) → JSON (400) → `Cancel-After` and `Prefer` syntax (400) → hang
    /// is armed → `create429` (429 + `Retry-After`) → `create401` (401) → `create500` (500) →
    /// `version`, `webhook`, `webhook_events_filter` and input validation (422) → `invalidInput`
    /// (422) → the prediction is created and logged (and its webhook events scheduled) →
    /// `dropAfterCreate` (no answer at all). A hang holds whatever the answer is.
    ///
    /// The phase delay is `delayMs` (per prediction, else the switch, else `--delay-ms`) with the
    /// jitter of `delayJitterMs` (same precedence, else `--delay-jitter-ms`) applied.
    ///
    /// Sync mode, `Prefer: wait[=N]`: the 201 is held up to N seconds (default 60) or until the
    /// prediction is terminal. A prediction that finished in time is shown finished (a success with
    /// its output inline, see ``PredictionRecord/inlineOutput``); one still running is shown as
    /// created, `starting`, as Replicate does: the official 1.x client takes any other status in a
    /// sync answer to mean the output is there, and polls only after `starting`.
    func create(_ request: HTTPRequest, model: String?, base: String) -> HTTPResponse? {
        var call = CallRecord(request, kind: .create, status: 0)
        if let denied = authorized(request) { return finish(&call, denied) }
        guard let body = try? JSONValue.parse(request.body, options: .standIn), body.objectValue != nil else {
            return finish(&call, .problem(400, detail: "The request body is not a JSON object."))
        }
        let input = body["input"]
        call.humanImage = input?["human_img"]?.stringValue
        call.garmentImage = input?["garm_img"]?.stringValue
        call.category = input?["category"]?.stringValue
        call.garmentDescription = input?["garment_des"]?.stringValue
        var cancelAfterMs: Int?
        if let raw = request.header("Cancel-After") {
            guard let parsed = Self.parseDuration(raw) else {
                return finish(&call, .problem(400, detail: "Cancel-After: '\(raw)' is not a duration such as 3m or 90s."))
            }
            cancelAfterMs = parsed
        }
        let waitMs: Int?
        switch Self.preferWait(request.header("Prefer")) {
        case let .success(value): waitMs = value
        case let .failure(invalid): return finish(&call, .problem(400, detail: invalid.detail))
        }
        let subscription = WebhookSubscription.parse(body)
        let perPrediction = PredictionFaults.parse(input ?? .null)
        let own = perPrediction.faults.settings
        let now = ContinuousClock.now
        let wallNow = WallClock.nowMilliseconds()

        let outcome: (response: HTTPResponse, holdMs: Int, record: PredictionRecord?, drop: Bool) = state.withLock { state in
            let holdMs = max(state.faults.consumeHang(), own.hangMs)
            func reject(_ response: HTTPResponse) -> (HTTPResponse, Int, PredictionRecord?, Bool) {
                call.status = response.status
                call.heldMs = holdMs
                state.record(call)
                return (response, holdMs, nil, false)
            }
            if FaultSettings.consume(&state.faults.create429) || own.create429 > 0 {
                let seconds = own.create429 > 0 && input?["__fault"]?["retryAfterSeconds"] != nil
                    ? own.retryAfterSeconds : state.faults.retryAfterSeconds
                return reject(.problem(429, detail: "Request was throttled. Your rate limit resets in ~\(seconds)s.",
                                       headers: [("Retry-After", String(seconds))]))
            }
            if FaultSettings.consume(&state.faults.create401) || own.create401 > 0 {
                return reject(.problem(401, detail: "You did not pass a valid authentication token (stand-in fault create401).",
                                       headers: [("WWW-Authenticate", "Bearer")]))
            }
            if FaultSettings.consume(&state.faults.create500) || own.create500 > 0 {
                return reject(.problem(500, detail: "Internal server error (stand-in fault create500)."))
            }
            let version: String
            switch Self.version(body: body, model: model) {
            case let .success(value): version = value
            case let .failure(invalid): return reject(Self.unprocessable(invalid))
            }
            let webhook: WebhookSubscription?
            switch subscription {
            case let .success(value): webhook = value
            case let .failure(invalid): return reject(Self.unprocessable(invalid))
            }
            if let message = perPrediction.error {
                return reject(Self.unprocessable(.init(field: "__fault", detail: message)))
            }
            let tryOn: IDMVTONInput
            switch IDMVTONInput.validate(input) {
            case let .success(value): tryOn = value
            case let .failure(invalid): return reject(Self.unprocessable(invalid))
            }
            if FaultSettings.consume(&state.faults.invalidInput) || own.invalidInput > 0 {
                return reject(Self.unprocessable(.init(
                    field: "human_img", detail: "human_img: could not be read as an image (stand-in fault invalidInput)")))
            }
            let fails = FaultSettings.consume(&state.faults.failPrediction) || own.failPrediction > 0
            var record = PredictionRecord(
                id: state.newPredictionID(), model: model ?? Self.modelName, version: version, input: input ?? .null,
                tryOn: tryOn, createdAtMs: wallNow, createdInstant: now,
                phaseDelayMs: PredictionRecord.jitteredDelay(
                    own.delayMs ?? state.faults.delayMs ?? configuration.phaseDelayMilliseconds,
                    jitter: own.delayJitterMs ?? state.faults.delayJitterMs ?? configuration.delayJitterMilliseconds),
                failure: fails ? PredictionRecord.failureMessage : nil, cancelAfterMs: cancelAfterMs,
                layers: state.layers(under: tryOn.humanImage)
                    + [GarmentLayer(garmentImage: tryOn.garmentImage, category: tryOn.category)])
            record.inlineOutput = waitMs != nil
            record.pendingGet500 = own.get500
            record.pendingGetHangs = own.hangCount
            record.getHangMs = own.hangMs
            record.webhook = webhook
            record.baseURL = base
            record.webhookFaults = own
            record.pendingWebhookFails = own.webhookFail
            state.predictions[record.id] = record
            state.order.append(record.id)
            let drop = FaultSettings.consume(&state.faults.dropAfterCreate) || own.dropAfterCreate > 0
            call.predictionID = record.id
            call.status = 201
            call.dropped = drop
            call.heldMs = holdMs
            state.record(call)
            return (.json(201, record.json(.created, baseURL: base)), holdMs, record, drop)
        }
        if let created = outcome.record { scheduleWebhookEvents(for: created) }
        hold(milliseconds: outcome.holdMs)
        guard let record = outcome.record else { return outcome.response }
        if outcome.drop { return nil }
        guard let waitMs else { return outcome.response }
        let waitStart = ContinuousClock.now
        hold(milliseconds: min(waitMs, record.naturalEndMs - record.elapsedMs(at: waitStart)))
        let waitedMs = Int((waitStart.duration(to: .now) / .milliseconds(1)).rounded(.down))
        let current = state.withLock { state in
            state.addHeld(waitedMs, toCreateOf: record.id)
            return state.predictions[record.id]
        } ?? record
        let snapshot = current.snapshot(elapsedMs: current.elapsedMs(at: .now))
        guard snapshot.isTerminal else { return outcome.response }
        return .json(201, publicJSON(current, snapshot, base: base))
    }

    /// Logs `call` with the response's status and returns the response.
    private func finish(_ call: inout CallRecord, _ response: HTTPResponse) -> HTTPResponse {
        call.status = response.status
        record(call)
        return response
    }

    /// A 422 problem naming the field.
    static func unprocessable(_ invalid: IDMVTONInput.Invalid) -> HTTPResponse {
        .problem(422, detail: "Invalid input: \(invalid.detail)", instance: invalid.field)
    }

    /// The version to report: for the model route the pinned one; otherwise the body's `version`,
    /// which must be 64 hex digits, optionally as `owner/name:<64 hex>`.
    static func version(body: JSONValue, model: String?) -> Result<String, IDMVTONInput.Invalid> {
        if model != nil { return .success(pinnedVersion) }
        guard let value = body["version"] else {
            return .failure(.init(field: "version", detail: "version: field is required"))
        }
        guard let raw = value.stringValue else {
            return .failure(.init(field: "version", detail: "version: must be a string"))
        }
        let candidate = raw.split(separator: ":").last.map(String.init) ?? raw
        guard ModelCatalog.isVersionID(candidate) else {
            return .failure(.init(field: "version", detail: "version: must be a 64-character hex version id"))
        }
        return .success(candidate.lowercased())
    }

    /// `Prefer: wait` → 60 000 ms; `wait=N` → N s clamped to 1…60; nil when the header is absent
    /// or holds no `wait` preference (other preferences are ignored, as RFC 7240 asks).
    static func preferWaitMs(_ header: String?) -> Int? {
        (try? preferWait(header).get()) ?? nil
    }

    /// Like ``preferWaitMs(_:)``, but a `wait=` whose value is not a whole number of seconds is a
    /// failure carrying the 400's `detail`: the client asked for sync mode and would silently not
    /// get it.
    static func preferWait(_ header: String?) -> Result<Int?, PreferSyntaxError> {
        guard let header else { return .success(nil) }
        for token in header.split(separator: ",") {
            let item = token.trimmingCharacters(in: " \t").lowercased()
            if item == "wait" { return .success(60_000) }
            guard item.hasPrefix("wait=") else { continue }
            let text = item.dropFirst(5).trimmingCharacters(in: "\"")
            guard let seconds = Int(text) else {
                return .failure(PreferSyntaxError(detail: "Prefer: '\(header)' has a wait that is not a number of seconds."))
            }
            return .success(min(60, max(1, seconds)) * 1000)
        }
        return .success(nil)
    }

    /// A malformed `Prefer: wait=…`; `detail` is the 400 problem's text.
    struct PreferSyntaxError: Error {
        var detail: String
    }

    /// Parses `Cancel-After` durations: `90s`, `3m`, `1h`, `500ms`, combinations such as `1m30s`,
    /// or a bare number of seconds. Returns milliseconds, or nil when malformed.
    static func parseDuration(_ text: String) -> Int? {
        let value = text.trimmingCharacters(in: " \t").lowercased()
        if let seconds = Int(value) { return seconds >= 0 ? seconds * 1000 : nil }
        var total = 0
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let amount = Int(number) else { return false }
            let factor: Int
            switch unit {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m": factor = 60_000
            case "h": factor = 3_600_000
            default: return false
            }
            total += amount * factor
            number = ""
            unit = ""
            return true
        }
        for character in value {
            if character.isNumber {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(character)
            } else {
                unit.append(character)
            }
        }
        guard !number.isEmpty, flush() else { return nil }
        return total
    }
}
