import FunctionRuntime

/// One API call the stand-in answered (or deliberately did not), for `GET /_standin/calls`.
///
/// Lets tests assert what the worker actually did: "exactly one create per (task, step)",
/// "resumed with GET, no second POST", "cancel was called". Admin calls are not recorded.
///
/// Webhook deliveries go the other way but are logged here too, one `webhook` entry per attempt:
/// `method` POST, `path` the webhook URL, `status` the receiver's answer (0 when there was none),
/// plus `event`, `webhook_id`, `attempt` (1, 2, …), `forged`, `duplicate`, `injected` (failed by
/// `webhookFail` without sending), `gave_up` (the last failed attempt), `error` (why there was no
/// answer) and `delayMs`. A dropped delivery
/// (`webhookDrop`) is one entry with `dropped: true` and `attempt: 0`.
struct CallRecord: Sendable {
    /// What the call was for: `model` is a read of a model or version (`GET /v1/models/…`),
    /// `other` an unknown route or the webhook secret, `webhook` a delivery attempt the stand-in made.
    enum Kind: String, Sendable {
        case create, get, cancel, list, model, file, other, webhook
    }

    /// The webhook-only fields of a `webhook` entry.
    struct Delivery: Sendable {
        /// `start`, `output`, `logs` or `completed`.
        var event: String
        var webhookID: String
        /// 1 for the first attempt; 0 for a dropped delivery.
        var attempt: Int
        /// Signed with a wrong secret (`webhookForge`).
        var forged = false
        /// The second copy of a duplicated delivery (`webhookDuplicate`).
        var duplicate = false
        /// No retry follows this failed attempt (attempts exhausted).
        var gaveUp = false
        /// Failed on purpose before sending (`webhookFail`): nothing went over the wire.
        var injected = false
        /// Why no status came back: the transport error, or the `webhookFail` fault.
        var error: String?
        /// Milliseconds the delivery was held back by `webhookDelayMs`.
        var delayMs = 0
    }

    /// 1, 2, 3 … in arrival order; survives `DELETE /_standin/calls` (never reused).
    var sequence: Int
    /// Wall-clock arrival, milliseconds since the epoch.
    var timeMs: Int64
    var method: String
    var path: String
    var kind: Kind
    /// The prediction the call created or addressed, when there is one.
    var predictionID: String?
    /// For creates: the try-on fields as sent (nil when absent or not strings).
    var humanImage: String?
    var garmentImage: String?
    var category: String?
    var garmentDescription: String?
    /// The HTTP status answered; for a dropped create, the 201 that was never sent.
    var status: Int
    /// True when the connection was closed without any response (`dropAfterCreate`).
    var dropped = false
    /// Milliseconds the answer was held by a hang fault or `Prefer: wait`.
    var heldMs = 0
    /// The request's `Prefer` header as sent (sync mode), nil when absent.
    var prefer: String?
    /// The request's `User-Agent`, e.g. `replicate-python/1.0.7`; nil when absent. Shows which
    /// client made each call.
    var userAgent: String?
    /// Set for `webhook` entries only.
    var delivery: Delivery?

    var json: JSONValue {
        var members: JSONObject = [
            "sequence": .int(sequence),
            "time": .string(WallClock.iso8601(timeMs)),
            "timeMs": .number(Double(timeMs)),
            "method": .string(method),
            "path": .string(path),
            "kind": .string(kind.rawValue),
            "prediction_id": .optionalString(predictionID),
            "human_img": .optionalString(humanImage),
            "garm_img": .optionalString(garmentImage),
            "category": .optionalString(category),
            "garment_des": .optionalString(garmentDescription),
            "status": .int(status),
            "dropped": .bool(dropped),
            "heldMs": .int(heldMs),
            "prefer": .optionalString(prefer),
            "user_agent": .optionalString(userAgent),
        ]
        if let delivery {
            members["event"] = .string(delivery.event)
            members["webhook_id"] = .string(delivery.webhookID)
            members["attempt"] = .int(delivery.attempt)
            members["forged"] = .bool(delivery.forged)
            members["duplicate"] = .bool(delivery.duplicate)
            members["injected"] = .bool(delivery.injected)
            members["gave_up"] = .bool(delivery.gaveUp)
            members["error"] = .optionalString(delivery.error)
            members["delayMs"] = .int(delivery.delayMs)
        }
        return .object(members)
    }
}

/// Per-prediction and per-input counts computed from the call log (`GET /_standin/stats`).
enum CallStatistics {
    /// `{"totals": {...}, "predictions": {"<id>": {"creates", "gets", "cancels", "files", "webhooks", "status"}},
    /// "createsByInput": [{"human_img", "garm_img", "category", "garment_des", "creates"}]}`.
    /// Only creates that made a prediction (including dropped ones) count in `createsByInput`.
    /// Webhook totals: `webhooksSent` (attempts that went out), `webhooksSucceeded` (answered 2xx),
    /// `webhooksFailed` (attempts without a 2xx, `webhookFail` ones included), `webhooksDropped`
    /// (deliveries never sent), `webhooksGaveUp` (deliveries whose last attempt failed); the
    /// per-prediction `webhooks` counts its attempts.
    static func json(calls: [CallRecord], statusOf: (String) -> String?) -> JSONValue {
        var totals: [CallRecord.Kind: Int] = [:]
        var rejectedCreates = 0
        var order: [String] = []
        var perPrediction: [String: [CallRecord.Kind: Int]] = [:]
        var inputOrder: [[String?]] = []
        var perInput: [[String?]: Int] = [:]
        var webhooks = (sent: 0, succeeded: 0, failed: 0, dropped: 0, gaveUp: 0)
        for call in calls {
            if let delivery = call.delivery {
                if call.dropped {
                    webhooks.dropped += 1
                } else {
                    if !delivery.injected { webhooks.sent += 1 }
                    if (200..<300).contains(call.status) { webhooks.succeeded += 1 } else { webhooks.failed += 1 }
                    if delivery.gaveUp { webhooks.gaveUp += 1 }
                }
            }
            totals[call.kind, default: 0] += 1
            if call.kind == .create, call.predictionID == nil { rejectedCreates += 1 }
            guard let id = call.predictionID else { continue }
            if perPrediction[id] == nil { order.append(id) }
            perPrediction[id, default: [:]][call.kind, default: 0] += 1
            if call.kind == .create {
                let key = [call.humanImage, call.garmentImage, call.category, call.garmentDescription]
                if perInput[key] == nil { inputOrder.append(key) }
                perInput[key, default: 0] += 1
            }
        }
        let predictions = JSONObject(order.map { id -> (String, JSONValue) in
            let counts = perPrediction[id] ?? [:]
            return (id, .object([
                "creates": .int(counts[.create] ?? 0), "gets": .int(counts[.get] ?? 0),
                "cancels": .int(counts[.cancel] ?? 0), "files": .int(counts[.file] ?? 0),
                "webhooks": .int(counts[.webhook] ?? 0),
                "status": .optionalString(statusOf(id)),
            ]))
        })
        let byInput: [JSONValue] = inputOrder.map { key in
            .object([
                "human_img": .optionalString(key[0]), "garm_img": .optionalString(key[1]),
                "category": .optionalString(key[2]), "garment_des": .optionalString(key[3]),
                "creates": .int(perInput[key] ?? 0),
            ])
        }
        return .object([
            "totals": .object([
                "calls": .int(calls.count),
                "creates": .int(totals[.create] ?? 0),
                "createsAccepted": .int((totals[.create] ?? 0) - rejectedCreates),
                "createsRejected": .int(rejectedCreates),
                "gets": .int(totals[.get] ?? 0),
                "cancels": .int(totals[.cancel] ?? 0),
                "files": .int(totals[.file] ?? 0),
                "predictions": .int(order.count),
                "webhooksSent": .int(webhooks.sent),
                "webhooksSucceeded": .int(webhooks.succeeded),
                "webhooksFailed": .int(webhooks.failed),
                "webhooksDropped": .int(webhooks.dropped),
                "webhooksGaveUp": .int(webhooks.gaveUp),
            ]),
            "predictions": .object(predictions),
            "createsByInput": .array(byInput),
        ])
    }
}
