/// One API call the stand-in answered (or deliberately did not), for `GET /_standin/calls`.
///
/// Lets tests assert what the worker actually did: "exactly one create per (task, step)",
/// "resumed with GET, no second POST", "cancel was called". Admin calls are not recorded.
struct CallRecord: Sendable {
    /// What the call was for: `model` is a read of a model or version (`GET /v1/models/…`),
    /// `other` an unknown route or the webhook secret.
    enum Kind: String, Sendable {
        case create, get, cancel, list, model, file, other
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

    var json: JSONValue {
        .object([
            ("sequence", .int(sequence)),
            ("time", .string(WallClock.iso8601(timeMs))),
            ("timeMs", .number(Double(timeMs))),
            ("method", .string(method)),
            ("path", .string(path)),
            ("kind", .string(kind.rawValue)),
            ("prediction_id", .optionalString(predictionID)),
            ("human_img", .optionalString(humanImage)),
            ("garm_img", .optionalString(garmentImage)),
            ("category", .optionalString(category)),
            ("garment_des", .optionalString(garmentDescription)),
            ("status", .int(status)),
            ("dropped", .bool(dropped)),
            ("heldMs", .int(heldMs)),
            ("prefer", .optionalString(prefer)),
            ("user_agent", .optionalString(userAgent)),
        ])
    }
}

/// Per-prediction and per-input counts computed from the call log (`GET /_standin/stats`).
enum CallStatistics {
    /// `{"totals": {...}, "predictions": {"<id>": {"creates", "gets", "cancels", "files", "status"}},
    /// "createsByInput": [{"human_img", "garm_img", "category", "garment_des", "creates"}]}`.
    /// Only creates that made a prediction (including dropped ones) count in `createsByInput`.
    static func json(calls: [CallRecord], statusOf: (String) -> String?) -> JSONValue {
        var totals: [CallRecord.Kind: Int] = [:]
        var rejectedCreates = 0
        var order: [String] = []
        var perPrediction: [String: [CallRecord.Kind: Int]] = [:]
        var inputOrder: [[String?]] = []
        var perInput: [[String?]: Int] = [:]
        for call in calls {
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
        let predictions: [(String, JSONValue)] = order.map { id in
            let counts = perPrediction[id] ?? [:]
            return (id, .object([
                ("creates", .int(counts[.create] ?? 0)), ("gets", .int(counts[.get] ?? 0)),
                ("cancels", .int(counts[.cancel] ?? 0)), ("files", .int(counts[.file] ?? 0)),
                ("status", .optionalString(statusOf(id))),
            ]))
        }
        let byInput: [JSONValue] = inputOrder.map { key in
            .object([
                ("human_img", .optionalString(key[0])), ("garm_img", .optionalString(key[1])),
                ("category", .optionalString(key[2])), ("garment_des", .optionalString(key[3])),
                ("creates", .int(perInput[key] ?? 0)),
            ])
        }
        return .object([
            ("totals", .object([
                ("calls", .int(calls.count)),
                ("creates", .int(totals[.create] ?? 0)),
                ("createsAccepted", .int((totals[.create] ?? 0) - rejectedCreates)),
                ("createsRejected", .int(rejectedCreates)),
                ("gets", .int(totals[.get] ?? 0)),
                ("cancels", .int(totals[.cancel] ?? 0)),
                ("files", .int(totals[.file] ?? 0)),
                ("predictions", .int(order.count)),
            ])),
            ("predictions", .object(predictions)),
            ("createsByInput", .array(byInput)),
        ])
    }
}
