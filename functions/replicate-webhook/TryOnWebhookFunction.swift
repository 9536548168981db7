import FunctionRuntime
import TryOnCore
import WebhookSignature

/// `replicate-webhook` (POST, called by Replicate): a prediction created with this function's URL
/// as its `webhook` has completed. The delivery is verified (Replicate's signature headers,
/// HMAC-SHA256 with the account's webhook secret, timestamps at most 5 minutes off), recorded,
/// and the task waiting for that prediction is claimed and advanced: the output copied, the next
/// garment's prediction created, or the task finished.
///
/// Every delivery is safe to repeat and to reorder: a task is claimed back only while it waits for
/// exactly that prediction, so a repeated delivery, one for an earlier step, one for a finished
/// task or an unknown prediction changes nothing and is answered 200 (Replicate stops retrying).
/// A delivery that arrives before the worker has checkpointed the prediction is recorded, and the
/// worker finds it right after its checkpoint. A prediction whose create answer never reached the
/// worker is adopted by the task and step its webhook URL names (`WebhookTag`), from its first
/// (`start`) event, so the task does not pay for a second one. A forged, replayed (old timestamp) or unsigned call
/// gets 401 before anything is read or written.
///
/// Environment: as `replicate-async-worker` (`TryOnWorkerSettings`); `REPLICATE_WEBHOOK_SECRET`
/// overrides the fetched secret.
public struct TryOnWebhookFunction: CloudFunction {
    /// Largest delivery accepted, bytes. 256 KiB (a prediction object is a few kilobytes).
    static let maxBodyBytes = 262_144
    /// How far a delivery's `webhook-timestamp` may be from now, seconds. 300.
    static let toleranceSeconds: Int64 = 300
    static let headers = ["Content-Type": "application/json", "Cache-Control": "no-store"]

    private var store: TaskStore?
    private var replicate: ReplicateClient?
    private let settings: TryOnWorkerSettings
    private var secret: WebhookSecret

    public init() throws {
        settings = TryOnWorkerSettings(environment: ProcessEnvironment.current)
        secret = WebhookSecret(given: settings.webhookSecret)
        if let problem = settings.configurationProblem { throw TryOnError(.internal, problem, headers: Self.headers) }
    }

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        guard event.httpMethod == "POST" else {
            throw TryOnError(.methodNotAllowed, "Replicate delivers webhooks with POST", headers: Self.headers)
        }
        guard let body = event.bodyBytes else {
            throw TryOnError(.invalidRequest, "The request body is not valid base64", headers: Self.headers)
        }
        guard body.count <= Self.maxBodyBytes else {
            throw TryOnError(.payloadTooLarge, "A webhook delivery is at most \(Self.maxBodyBytes) bytes", headers: Self.headers)
        }
        let replicate = try client()
        let deliveryId = try verify(event, body: body, replicate: replicate)

        guard let prediction = Prediction.decode(body) else {
            throw TryOnError(.invalidRequest, "The body is not a prediction object (id and status)", headers: Self.headers)
        }
        var answer = JSONText(capacity: 200)
        answer.add("prediction_id", prediction.id)
        if store == nil { store = try TaskStore() }
        guard let store else { throw TryOnError(.internal, "webhook not initialized", headers: Self.headers) }
        // A prediction its task never recorded (the create's answer was lost) is adopted by the
        // task and step its URL names, unless it ended without output (then a new one is due anyway).
        var adopted = false
        if let tag = WebhookTag(query: event.queryStringParameters), !prediction.endedWithoutOutput {
            adopted = try store.adopt(tag, predictionId: prediction.id, checkAfterSeconds: settings.waitCheckSeconds)
        }
        if adopted { answer.add("adopted", true) }
        guard prediction.isTerminal else {
            answer.add(
                "message", adopted ? "Adopted: the task now waits for this prediction" : "Noted: the prediction has not ended (\(prediction.statusText))")
            return .json(200, answer.finish(), headers: Self.headers)
        }
        let isNew = try store.recordCompletion(deliveryId: deliveryId, prediction: prediction, body: String(decoding: body, as: UTF8.self))
        guard let task = try store.claimWaiting(
            predictionId: prediction.id, workerId: settings.workerId, leaseSeconds: settings.leaseSeconds)
        else {
            answer.add("message", isNew ? "Recorded: no task waits for this prediction" : "Already recorded")
            return .json(200, answer.finish(), headers: Self.headers)
        }
        var processor = TaskProcessor(store: store, replicate: replicate, settings: settings, context: context)
        let outcome = processor.advance(task, ended: prediction)
        answer.add("message", outcome.message)
        answer.add("task_id", task.id)
        answer.add("status", outcome.status)
        answer.add("steps_done", outcome.stepsDone)
        return .json(200, answer.finish(), headers: Self.headers)
    }

    /// Checks the delivery's signature; returns its `webhook-id`. Throws 401 naming what is wrong,
    /// or 503 when the secret cannot be had (Replicate then delivers again later).
    private mutating func verify(_ event: Event, body: [UInt8], replicate: ReplicateClient) throws(TryOnError) -> String {
        let id = try single(event, "webhook-id")
        let timestamp = try single(event, "webhook-timestamp")
        let signatures = try single(event, "webhook-signature")
        let now = Clock.epochMilliseconds() / 1000
        var verdict: WebhookSignature.Verdict
        do {
            verdict = WebhookSignature.verify(
                secret: try secret.current(replicate), id: id, timestamp: timestamp, signatures: signatures, body: body,
                now: now, toleranceSeconds: Self.toleranceSeconds)
            if verdict == .mismatch, secret.mayRefresh() {
                verdict = WebhookSignature.verify(
                    secret: try secret.fetch(replicate), id: id, timestamp: timestamp, signatures: signatures, body: body,
                    now: now, toleranceSeconds: Self.toleranceSeconds)
            }
        } catch {
            throw TryOnError(
                .upstreamUnavailable, "The webhook secret could not be read from Replicate: \(error.message)", headers: Self.headers)
        }
        guard verdict == .valid, let id else {
            throw TryOnError(.unauthorized, "Webhook refused: \(verdict.message)", headers: Self.headers)
        }
        return id
    }

    /// The one value of a signature header; a repeated header is refused.
    private func single(_ event: Event, _ name: String) throws(TryOnError) -> String? {
        do {
            return try RequestIdentity.singleHeader(event, name, problem: "Webhook refused: \(name) is repeated")
        } catch {
            throw error.with(headers: Self.headers)
        }
    }

    private mutating func client() throws(TryOnError) -> ReplicateClient {
        if let replicate { return replicate }
        guard let token = settings.replicateToken else {
            throw TryOnError(.internal, "REPLICATE_API_TOKEN is not set; webhooks cannot be checked", headers: Self.headers)
        }
        do {
            let made = try ReplicateClient(baseURL: settings.replicateBaseURL, token: token)
            replicate = made
            return made
        } catch {
            throw TryOnError(.internal, "The Replicate client could not start: \(error.message)", headers: Self.headers)
        }
    }
}
