import FunctionRuntime

/// The armed fault switches: counters that the next N matching calls consume.
///
/// Set through `POST /_standin/faults` (fields merge into the current settings; absent fields
/// stay as they are) and cleared by `DELETE /_standin/faults`. The same names can also appear
/// per prediction in the create input as `"__fault"` (see ``PredictionFaults``).
///
/// | Field | Unit | Effect |
/// |---|---|---|
/// | `create429` | count | the next N creates answer 429 with `Retry-After`; nothing is created |
/// | `retryAfterSeconds` | seconds, default 1 | the `Retry-After` value of those 429s |
/// | `create500` | count | the next N creates answer 500; nothing is created |
/// | `create401` | count | the next N creates answer 401 as if the token were wrong; nothing is created |
/// | `get500` | count | the next N prediction GETs answer 500 |
/// | `hangMs` | milliseconds | how long a hung call is held before its answer is sent |
/// | `hangCount` | count, default 1 when `hangMs` is set | the next N creates/GETs are processed, then held `hangMs` |
/// | `failPrediction` | count | the next N created predictions end `failed` ("CUDA out of memory (stand-in)") |
/// | `invalidInput` | count | the next N creates answer 422; nothing is created |
/// | `dropAfterCreate` | count | the next N creates are recorded and created, then the connection closes with no bytes |
/// | `delayMs` | milliseconds | phase delay for predictions created from now on (overrides `--delay-ms`) |
/// | `delayJitterMs` | milliseconds | each new prediction's phase delay becomes `delay ± uniform(0, J)`, never below 0 (overrides `--delay-jitter-ms`) |
/// | `webhookDrop` | count | the next N `completed` webhook deliveries are never sent (logged as dropped) |
/// | `webhookDuplicate` | count | the next N `completed` deliveries are sent twice, same `webhook-id`, the copy right after the first attempt |
/// | `webhookDelayMs` | milliseconds | how much later a delayed `completed` delivery goes out |
/// | `webhookDelayCount` | count, default 1 when `webhookDelayMs` is set | the next N `completed` deliveries are delayed `webhookDelayMs` |
/// | `webhookForge` | count | the next N `completed` deliveries are signed with a wrong secret (their retries too) |
/// | `webhookFail` | count | the next N delivery attempts (any event) count as failed without being sent, so they are retried |
///
/// Only the `webhook…` switches touch deliveries; a dropped, duplicated, delayed or forged
/// delivery is still one delivery of the prediction's completion (see ``WebhookDelivery``).
struct FaultSettings: Sendable, Equatable {
    var create429 = 0
    var retryAfterSeconds = 1
    var create500 = 0
    var create401 = 0
    var get500 = 0
    var hangMs = 0
    var hangCount = 0
    var failPrediction = 0
    var invalidInput = 0
    var dropAfterCreate = 0
    /// Phase delay override in milliseconds; nil means the configured default.
    var delayMs: Int?
    /// Phase delay jitter override in milliseconds; nil means the configured default.
    var delayJitterMs: Int?
    var webhookDrop = 0
    var webhookDuplicate = 0
    var webhookDelayMs = 0
    var webhookDelayCount = 0
    var webhookForge = 0
    var webhookFail = 0

    /// The names accepted in JSON, in the order they are reported.
    static let fieldNames = [
        "create429", "retryAfterSeconds", "create500", "create401", "get500", "hangMs", "hangCount",
        "failPrediction", "invalidInput", "dropAfterCreate", "delayMs", "delayJitterMs",
        "webhookDrop", "webhookDuplicate", "webhookDelayMs", "webhookDelayCount", "webhookForge", "webhookFail",
    ]

    /// Applies the fields present in `json` (an object of non-negative integers).
    /// - Returns: nil on success, else a message naming the offending field.
    mutating func merge(_ json: JSONValue) -> String? {
        guard let members = json.objectValue else { return "the body must be a JSON object" }
        var hangCountGiven = false
        var webhookDelayCountGiven = false
        for (name, value) in members {
            guard let number = value.intValue, number >= 0 else {
                return "field '\(name)' must be a non-negative integer"
            }
            switch name {
            case "create429": create429 = number
            case "retryAfterSeconds": retryAfterSeconds = number
            case "create500": create500 = number
            case "create401": create401 = number
            case "get500": get500 = number
            case "hangMs": hangMs = number
            case "hangCount": hangCount = number; hangCountGiven = true
            case "failPrediction": failPrediction = number
            case "invalidInput": invalidInput = number
            case "dropAfterCreate": dropAfterCreate = number
            case "delayMs": delayMs = number
            case "delayJitterMs": delayJitterMs = number
            case "webhookDrop": webhookDrop = number
            case "webhookDuplicate": webhookDuplicate = number
            case "webhookDelayMs": webhookDelayMs = number
            case "webhookDelayCount": webhookDelayCount = number; webhookDelayCountGiven = true
            case "webhookForge": webhookForge = number
            case "webhookFail": webhookFail = number
            default: return "unknown field '\(name)'; known: \(FaultSettings.fieldNames.joined(separator: ", "))"
            }
        }
        if json["hangMs"] != nil, !hangCountGiven, hangMs > 0, hangCount == 0 { hangCount = 1 }
        if json["webhookDelayMs"] != nil, !webhookDelayCountGiven, webhookDelayMs > 0, webhookDelayCount == 0 {
            webhookDelayCount = 1
        }
        return nil
    }

    /// Decrements `counter` if positive; answers whether a fault fired.
    static func consume(_ counter: inout Int) -> Bool {
        guard counter > 0 else { return false }
        counter -= 1
        return true
    }

    /// Consumes one hang if armed; returns its length in milliseconds, or 0.
    mutating func consumeHang() -> Int {
        guard hangMs > 0, FaultSettings.consume(&hangCount) else { return 0 }
        return hangMs
    }

    /// Consumes one webhook delay if armed; returns its length in milliseconds, or 0.
    mutating func consumeWebhookDelay() -> Int {
        guard webhookDelayMs > 0, FaultSettings.consume(&webhookDelayCount) else { return 0 }
        return webhookDelayMs
    }

    /// The settings as reported by `GET /_standin/faults` and after a POST.
    var json: JSONValue {
        .object([
            "create429": .int(create429), "retryAfterSeconds": .int(retryAfterSeconds),
            "create500": .int(create500), "create401": .int(create401), "get500": .int(get500), "hangMs": .int(hangMs),
            "hangCount": .int(hangCount), "failPrediction": .int(failPrediction),
            "invalidInput": .int(invalidInput), "dropAfterCreate": .int(dropAfterCreate),
            "delayMs": delayMs.map(JSONValue.int) ?? .null,
            "delayJitterMs": delayJitterMs.map(JSONValue.int) ?? .null,
            "webhookDrop": .int(webhookDrop), "webhookDuplicate": .int(webhookDuplicate),
            "webhookDelayMs": .int(webhookDelayMs), "webhookDelayCount": .int(webhookDelayCount),
            "webhookForge": .int(webhookForge), "webhookFail": .int(webhookFail),
        ])
    }
}

/// Faults requested by one create through its input's `"__fault"` member, for tests that want
/// determinism without touching shared switches.
///
/// `"__fault"` is either an object with the ``FaultSettings`` names or a single name as a string
/// (meaning 1). For this one create: `create429`, `create500`, `invalidInput`, `dropAfterCreate`
/// fire if > 0; `hangMs` holds the create's answer; `failPrediction` > 0 makes the prediction
/// fail; `delayMs` sets its phase delay and `delayJitterMs` its jitter; `get500` N and `hangCount`
/// N affect its first N GETs (500, and held `hangMs` each); `retryAfterSeconds` sets the 429's
/// `Retry-After`. For its webhook: `webhookDrop`, `webhookDuplicate`, `webhookForge` > 0 and
/// `webhookDelayMs` apply to its `completed` delivery, `webhookFail` N fails its first N attempts.
struct PredictionFaults: Sendable, Equatable {
    var settings = FaultSettings()

    /// Reads `input["__fault"]`; the message is non-nil when it is malformed (the create then answers 422).
    static func parse(_ input: JSONValue) -> (faults: PredictionFaults, error: String?) {
        var faults = PredictionFaults()
        guard let raw = input["__fault"] else { return (faults, nil) }
        let object: JSONValue = raw.stringValue.map { .object([$0: .int(1)]) } ?? raw
        let error = faults.settings.merge(object)
        // Per prediction, hangMs alone means "hold this create"; GET hangs need an explicit hangCount.
        if object["hangCount"] == nil { faults.settings.hangCount = 0 }
        return (faults, error.map { "input.__fault: \($0)" })
    }
}
