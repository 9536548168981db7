import FunctionRuntime

/// One prediction the stand-in created, and its scripted timeline.
///
/// Nothing runs in the background: the status is a pure function of the time elapsed since the
/// create (``snapshot(elapsedMs:)``), with phase delay `D` milliseconds:
/// `starting` on [0, D), `processing` on [D, 2D), then `succeeded` (or `failed` when a
/// `failPrediction` fault chose so) from 2D on. With D = 0 the first GET already sees the end.
/// A cancel freezes the prediction as `canceled` at the moment it arrived; a `Cancel-After`
/// deadline that passes first ends it `aborted` (still starting) or `canceled` (processing).
/// A prediction with a `webhook` also has its events scheduled with the webhook engine, which
/// reads this same timeline when each event falls due (see ``WebhookDelivery``).
struct PredictionRecord: Sendable {
    /// The error text of a prediction failed by the `failPrediction` fault.
    static let failureMessage = "CUDA out of memory (stand-in)"

    let id: String
    /// `owner/name`, e.g. `cuuupid/idm-vton`.
    let model: String
    /// The 64-hex version id.
    let version: String
    /// The input exactly as received (echoed in every answer).
    let input: JSONValue
    let tryOn: IDMVTONInput
    /// Wall-clock creation time, milliseconds since the epoch (for `created_at`).
    let createdAtMs: Int64
    /// Monotonic creation time (for the timeline).
    let createdInstant: ContinuousClock.Instant
    /// Length of each of the `starting` and `processing` phases, milliseconds.
    let phaseDelayMs: Int
    /// Non-nil when this prediction is scripted to fail.
    let failure: String?
    /// `Cancel-After` deadline relative to creation, milliseconds; nil when not sent.
    let cancelAfterMs: Int?
    /// Garments on the picture, oldest first; the last is this prediction's (step = count).
    let layers: [GarmentLayer]
    /// True for a prediction created in sync mode (`Prefer: wait`): once it succeeds, every answer
    /// carries its output inline as a `data:image/png;base64,…` URI instead of a file URL. Replicate
    /// delivered sync-mode outputs that way for a while; here it is what lets the official 1.x
    /// client hand `replicate.run` callers a `FileOutput`, which it makes only from `https:` and
    /// `data:` URIs (the stand-in speaks plain http).
    var inlineOutput = false
    /// Elapsed milliseconds at which a cancel request arrived, if one did while running.
    var canceledAtMs: Int?
    /// GETs of this prediction still to answer 500 (per-prediction `get500`).
    var pendingGet500 = 0
    /// GETs of this prediction still to hold (per-prediction `hangCount`) for `getHangMs` each.
    var pendingGetHangs = 0
    var getHangMs = 0
    /// The output PNG, rendered once on first success observed.
    var outputPNG: [UInt8]?
    /// The create's `webhook` and `webhook_events_filter`; nil when no webhook was asked for.
    var webhook: WebhookSubscription?
    /// `http://<Host>` of the create request: webhook bodies link the output the way a GET through
    /// that host would.
    var baseURL = ""
    /// The create's own `__fault` switches for its webhook (`webhookDrop`, `webhookDuplicate`,
    /// `webhookDelayMs`, `webhookForge`; see ``PredictionFaults``).
    var webhookFaults = FaultSettings()
    /// Delivery attempts of this prediction still to fail on purpose (per-prediction `webhookFail`).
    var pendingWebhookFails = 0
    /// Set when the `completed` delivery has been made (by a cancel, or by the timeline), so a
    /// completion is never delivered twice by accident.
    var completedWebhookQueued = false

    /// The chain position: 1 for a fresh person photo, k + 1 when `human_img` was step k's output.
    var step: Int { layers.count }

    /// The state of the prediction at one moment.
    struct Snapshot: Sendable, Equatable {
        var status: String
        /// Offsets from creation in milliseconds; nil when not reached.
        var startedOffsetMs: Int?
        var completedOffsetMs: Int?

        var isTerminal: Bool { completedOffsetMs != nil }
        /// The create response's view: always `starting` (Replicate answers 201 before booting).
        static let created = Snapshot(status: "starting", startedOffsetMs: nil, completedOffsetMs: nil)
    }

    /// Milliseconds since creation by the monotonic clock.
    func elapsedMs(at now: ContinuousClock.Instant) -> Int {
        let elapsed = createdInstant.duration(to: now) / .milliseconds(1)
        return Int(elapsed.rounded(.down))
    }

    /// The status and timestamps `elapsedMs` after creation.
    func snapshot(elapsedMs: Int) -> Snapshot {
        let delay = phaseDelayMs
        let end = 2 * delay
        if let canceled = canceledAtMs, elapsedMs >= canceled {
            return Snapshot(status: "canceled", startedOffsetMs: canceled >= delay ? delay : nil,
                            completedOffsetMs: canceled)
        }
        if let deadline = cancelAfterMs, deadline < end, elapsedMs >= deadline {
            return deadline < delay
                ? Snapshot(status: "aborted", startedOffsetMs: nil, completedOffsetMs: deadline)
                : Snapshot(status: "canceled", startedOffsetMs: delay, completedOffsetMs: deadline)
        }
        if elapsedMs < delay { return Snapshot(status: "starting", startedOffsetMs: nil, completedOffsetMs: nil) }
        if elapsedMs < end { return Snapshot(status: "processing", startedOffsetMs: delay, completedOffsetMs: nil) }
        return Snapshot(status: failure == nil ? "succeeded" : "failed", startedOffsetMs: delay,
                        completedOffsetMs: end)
    }

    /// A phase delay of `delay ± uniform(0, jitter)` milliseconds, never negative (`jitter` 0: exactly `delay`).
    static func jitteredDelay(_ delay: Int, jitter: Int) -> Int {
        guard jitter > 0 else { return max(0, delay) }
        var generator = SystemRandomNumberGenerator()
        let offset = Int(generator.next(upperBound: UInt64(2 * jitter + 1))) - jitter
        return max(0, delay + offset)
    }

    /// Milliseconds from creation until the prediction is terminal by itself (no cancel).
    var naturalEndMs: Int {
        if let deadline = cancelAfterMs, deadline < 2 * phaseDelayMs { return deadline }
        return 2 * phaseDelayMs
    }
}

/// One garment drawn on the output picture: where it goes and its colour.
struct GarmentLayer: Sendable, Equatable {
    /// `upper_body`, `lower_body` or `dresses`.
    var category: String
    /// RGB, derived from a hash of the `garm_img` string.
    var red: UInt8, green: UInt8, blue: UInt8

    /// The colour for a garment URI: FNV-1a hash → a saturated hue, so the same garment always
    /// looks the same and different garments usually differ.
    init(garmentImage: String, category: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in garmentImage.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        for byte in category.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hue = Int(hash % 360)
        let (r, g, b) = GarmentLayer.hueToRGB(hue)
        self.category = category
        red = r
        green = g
        blue = b
    }

    /// A fully saturated colour at `hue` degrees, value about 80 %.
    static func hueToRGB(_ hue: Int) -> (UInt8, UInt8, UInt8) {
        let sector = (hue / 60) % 6
        let fraction = Double(hue % 60) / 60
        let high = 205.0, low = 40.0
        let rising = low + (high - low) * fraction, falling = high - (high - low) * fraction
        let (r, g, b): (Double, Double, Double)
        switch sector {
        case 0: (r, g, b) = (high, rising, low)
        case 1: (r, g, b) = (falling, high, low)
        case 2: (r, g, b) = (low, high, rising)
        case 3: (r, g, b) = (low, falling, high)
        case 4: (r, g, b) = (rising, low, high)
        default: (r, g, b) = (high, low, falling)
        }
        return (UInt8(r), UInt8(g), UInt8(b))
    }
}
