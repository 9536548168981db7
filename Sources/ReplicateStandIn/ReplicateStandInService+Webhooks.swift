/// Webhook deliveries, as Replicate makes them.
///
/// A create with `webhook` gets its events put on the engine's schedule at once, at the moments
/// the scripted timeline reaches them (phase delay `D`):
///
/// | Event | When | Sent if |
/// |---|---|---|
/// | `start` | `D` after the create | named in the filter, and the prediction is processing then |
/// | `logs` | `D` (the first log lines appear) | named in the filter, and the prediction is processing then |
/// | `output` | at the natural end (`2D`, or an earlier `Cancel-After`) | the prediction succeeded; no filter, or named in it |
/// | `completed` | at the natural end, or at once on a cancel | no filter, or named in it |
///
/// When an event falls due, its body is built from the timeline *at that moment* (what a GET
/// would have answered then, status and output included), and the delivery's attempts are
/// scheduled: a 2xx ends it, anything else (another status, refused, the 10 s timeout) is
/// retried after `webhookRetryMilliseconds · 2^(n−1)` until `webhookAttempts` attempts were made.
/// A prediction's completion is delivered once: the first of cancel and timeline to reach it
/// marks it (``PredictionRecord/completedWebhookQueued``), the other finds it marked. The fault
/// switches (``FaultSettings``) bend `completed` deliveries and fail attempts.
extension ReplicateStandInService {
    /// Puts the events `record`'s webhook asks for on the schedule (nothing without a webhook).
    func scheduleWebhookEvents(for record: PredictionRecord) {
        guard let subscription = record.webhook else { return }
        let start = record.phaseDelayMs, end = record.naturalEndMs
        let plan: [(WebhookSubscription.Event, Int)] = [(.start, start), (.logs, start), (.output, end), (.completed, end)]
        for (event, offset) in plan where subscription.wants(event) {
            webhooks.schedule(at: record.createdInstant.advanced(by: .milliseconds(offset))) { [self] _ in
                fireWebhookEvent(id: record.id, event: event, offsetMs: offset)
            }
        }
    }

    /// Delivers `completed` at once for prediction `id`, canceled `offsetMs` after creation.
    func scheduleCancellationWebhook(id: String, offsetMs: Int) {
        webhooks.schedule(at: .now) { [self] _ in
            fireWebhookEvent(id: id, event: .completed, offsetMs: offsetMs)
        }
    }

    /// Builds the delivery for `event` of prediction `id` as of `offsetMs` after its creation,
    /// applying the fault switches, and schedules its first attempt; does nothing when the event
    /// did not happen after all (a cancel came first) or was already delivered.
    func fireWebhookEvent(id: String, event: WebhookSubscription.Event, offsetMs: Int) {
        struct Plan {
            var record: PredictionRecord
            var snapshot: PredictionRecord.Snapshot
            var drop = false, duplicate = false, forge = false
            var delayMs = 0
        }
        let found: Plan? = state.withLock { state in
            guard var record = state.predictions[id], let subscription = record.webhook, subscription.wants(event) else { return nil }
            let snapshot = record.snapshot(elapsedMs: offsetMs)
            var plan = Plan(record: record, snapshot: snapshot)
            switch event {
            case .start, .logs:
                guard snapshot.status == "processing" else { return nil }
            case .output:
                guard snapshot.status == "succeeded" else { return nil }
            case .completed:
                guard snapshot.isTerminal, !record.completedWebhookQueued else { return nil }
                record.completedWebhookQueued = true
                state.predictions[id] = record
                let own = record.webhookFaults
                plan.drop = FaultSettings.consume(&state.faults.webhookDrop) || own.webhookDrop > 0
                if !plan.drop {
                    plan.duplicate = FaultSettings.consume(&state.faults.webhookDuplicate) || own.webhookDuplicate > 0
                    plan.delayMs = max(state.faults.consumeWebhookDelay(), own.webhookDelayMs)
                    plan.forge = FaultSettings.consume(&state.faults.webhookForge) || own.webhookForge > 0
                }
            }
            return plan
        }
        guard let plan = found, let subscription = plan.record.webhook else { return }
        if plan.snapshot.status == "succeeded", plan.record.outputPNG == nil { _ = outputPNG(id: id) }
        let body = publicJSON(plan.record, plan.snapshot, base: plan.record.baseURL).encodedBytes(sortedKeys: false)
        var delivery = WebhookDelivery(
            predictionID: id, event: event, url: subscription.url, body: body, webhookID: WebhookDelivery.newWebhookID(),
            signingSecret: plan.forge ? WebhookDelivery.newSecret() : webhookSecret)
        delivery.forged = plan.forge
        delivery.duplicateFollows = plan.duplicate
        delivery.delayMs = plan.delayMs
        if plan.drop {
            var call = webhookCall(delivery, attempt: 0, status: 0)
            call.dropped = true
            record(call)
            configuration.log?("webhook \(event.rawValue) for \(id) dropped (stand-in fault webhookDrop)")
            return
        }
        let first = delivery
        webhooks.schedule(at: ContinuousClock.now.advanced(by: .milliseconds(plan.delayMs))) { [self] poster in
            attemptWebhook(first, attempt: 1, poster: poster)
        }
    }

    /// Makes attempt `attempt` of `delivery`, logs it, and schedules what follows: the retry after
    /// a failure (while attempts remain), the duplicate copy after a first attempt.
    func attemptWebhook(_ delivery: WebhookDelivery, attempt: Int, poster: WebhookPoster) {
        guard !webhooks.isStopping else { return }
        let injected = state.withLock { state in
            if FaultSettings.consume(&state.faults.webhookFail) { return true }
            guard var record = state.predictions[delivery.predictionID],
                  FaultSettings.consume(&record.pendingWebhookFails) else { return false }
            state.predictions[delivery.predictionID] = record
            return true
        }
        var status = 0
        var error: String?
        if injected {
            error = "failed before sending (stand-in fault webhookFail)"
        } else if let headers = delivery.headers(timestamp: WallClock.nowMilliseconds() / 1000) {
            switch poster.post(url: delivery.url, headers: headers, body: delivery.body) {
            case let .answered(answer): status = answer
            case let .failed(message): error = message
            }
        } else {
            error = "the signing secret is malformed"
        }
        let succeeded = (200..<300).contains(status)
        let retries = !succeeded && attempt < max(1, configuration.webhookAttempts)
        var call = webhookCall(delivery, attempt: attempt, status: status)
        call.delivery?.injected = injected
        call.delivery?.error = error
        call.delivery?.gaveUp = !succeeded && !retries
        record(call)
        configuration.log?("webhook \(delivery.event.rawValue) for \(delivery.predictionID) attempt \(attempt) -> "
            + (error ?? String(status)))
        if retries {
            let wait = WebhookDelivery.retryDelayMilliseconds(afterAttempt: attempt, base: configuration.webhookRetryMilliseconds)
            webhooks.schedule(at: ContinuousClock.now.advanced(by: .milliseconds(wait))) { [self] poster in
                attemptWebhook(delivery, attempt: attempt + 1, poster: poster)
            }
        }
        if attempt == 1, delivery.duplicateFollows {
            var copy = delivery
            copy.duplicate = true
            copy.duplicateFollows = false
            copy.delayMs = 0
            let duplicate = copy
            webhooks.schedule(at: .now) { [self] poster in
                attemptWebhook(duplicate, attempt: 1, poster: poster)
            }
        }
    }

    /// The call-log entry for one attempt (or, with attempt 0, a dropped delivery).
    private func webhookCall(_ delivery: WebhookDelivery, attempt: Int, status: Int) -> CallRecord {
        var call = CallRecord(sequence: 0, timeMs: WallClock.nowMilliseconds(), method: "POST", path: delivery.url,
                              kind: .webhook, predictionID: delivery.predictionID, status: status)
        call.userAgent = WebhookDelivery.userAgent
        call.delivery = CallRecord.Delivery(event: delivery.event.rawValue, webhookID: delivery.webhookID, attempt: attempt,
                                            forged: delivery.forged, duplicate: delivery.duplicate, delayMs: delivery.delayMs)
        return call
    }
}
