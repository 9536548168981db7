import FnhostTestSupport
import Testing
@testable import ReplicateStandIn
import WebhookSignature
import Hashing

@Suite("Webhook deliveries")
struct WebhookDeliveryTests {
    @Test("a create with a webhook gets one signed completed delivery: status succeeded and the output URL")
    func signedCompleted() throws {
        let standIn = try StandInHarness()
        let receiver = try WebhookReceiver()
        let id = try standIn.createWithWebhook(receiver.url, filter: "[\"completed\"]")
        let log = try standIn.waitForWebhookCalls(of: id) { $0.contains { $0["status"]?.intValue == 200 } }
        let received = receiver.deliveries
        try #require(received.count == 1)
        let delivery = received[0]
        #expect(delivery.verdict(secret: try standIn.webhookSecret()) == .valid)
        #expect(delivery.verdict(secret: "whsec_" + StandardBase64.encode(Array("some other key".utf8))) == .mismatch)
        #expect(delivery.json["id"]?.stringValue == id)
        #expect(delivery.json["status"]?.stringValue == "succeeded")
        // Links use the create's Host header (the test client sends `Host: 127.0.0.1`).
        #expect(delivery.json["output"]?.stringValue == "http://127.0.0.1/files/\(id).png")
        #expect(delivery.json["webhook"]?.stringValue == receiver.url)
        #expect(delivery.header("Content-Type") == "application/json")
        #expect(delivery.header("User-Agent") == "replicate-standin")
        #expect(delivery.webhookID?.hasPrefix("msg_") == true)
        let timestamp = try #require(delivery.header("webhook-timestamp").flatMap { Int64($0) })
        #expect(abs(timestamp - WallClock.nowMilliseconds() / 1000) <= 5)
        // The body is what a GET answers now (the GET adds nothing once the prediction is over).
        #expect(try standIn.get(id).json == delivery.json)
        #expect(log.count == 1)
        #expect(log.first?["event"]?.stringValue == "completed")
        #expect(log.first?["webhook_id"]?.stringValue == delivery.webhookID)
        #expect(log.first?["attempt"]?.intValue == 1)
        #expect(log.first?["path"]?.stringValue == receiver.url)
        let totals = try standIn.stats()["totals"]
        #expect(totals?["webhooksSent"] == .number(1))
        #expect(totals?["webhooksSucceeded"] == .number(1))
        #expect(try standIn.stats()["predictions"]?[id]?["webhooks"] == .number(1))
    }

    @Test("without a filter: output and completed, no start; start only when filtered in, while processing")
    func eventFilter() throws {
        let standIn = try StandInHarness(delayMs: 60)
        let receiver = try WebhookReceiver()
        let plain = try standIn.createWithWebhook(receiver.url)
        // output and completed fall due together and go out in parallel: wait for both.
        let plainLog = try standIn.waitForWebhookCalls(of: plain) { $0.count == 2 }
        #expect(plainLog.compactMap { $0["event"]?.stringValue }.sorted() == ["completed", "output"])
        #expect(receiver.deliveries.allSatisfy { $0.json["status"]?.stringValue == "succeeded" })

        let filtered = try standIn.createWithWebhook(receiver.url, filter: "[\"start\",\"completed\"]")
        let filteredLog = try standIn.waitForWebhookCalls(of: filtered) { $0.count == 2 }
        #expect(filteredLog.compactMap { $0["event"]?.stringValue } == ["start", "completed"])
        let bodies = receiver.deliveries.filter { $0.json["id"]?.stringValue == filtered }
        #expect(bodies.compactMap { $0.json["status"]?.stringValue } == ["processing", "succeeded"])
        #expect(bodies.first?.json["webhook_events_filter"] == .array([.string("start"), .string("completed")]))
        #expect(bodies.first?.json["output"] == .null)
        #expect(bodies.first?.json["started_at"]?.stringValue != nil)
    }

    @Test("a receiver answering 500 twice then 200 gets three attempts with the same webhook-id")
    func retries() throws {
        let standIn = try StandInHarness()
        let receiver = try WebhookReceiver(statuses: [500, 500])
        let id = try standIn.createWithWebhook(receiver.url, filter: "[\"completed\"]")
        let log = try standIn.waitForWebhookCalls(of: id) { $0.contains { $0["status"]?.intValue == 200 } }
        #expect(log.compactMap { $0["status"]?.intValue } == [500, 500, 200])
        #expect(log.compactMap { $0["attempt"]?.intValue } == [1, 2, 3])
        let received = receiver.deliveries
        #expect(received.count == 3)
        #expect(Set(received.compactMap(\.webhookID)).count == 1)
        let secret = try standIn.webhookSecret()
        #expect(received.allSatisfy { $0.verdict(secret: secret) == .valid })
        #expect(received.allSatisfy { $0.body == received[0].body })
        // Backoff: 20 ms base, then 40 ms.
        #expect(received[1].receivedAt - received[0].receivedAt >= .milliseconds(18))
        #expect(received[2].receivedAt - received[1].receivedAt >= .milliseconds(38))
        let totals = try standIn.stats()["totals"]
        #expect(totals?["webhooksFailed"] == .number(2))
        #expect(totals?["webhooksSucceeded"] == .number(1))
    }

    @Test("a receiver that never answers 2xx gets webhookAttempts attempts, the last marked gave_up")
    func givesUp() throws {
        let standIn = try StandInHarness(webhookAttempts: 3, webhookRetryMs: 5)
        let receiver = try WebhookReceiver(statuses: [503, 503, 503, 503])
        let id = try standIn.createWithWebhook(receiver.url, filter: "[\"completed\"]")
        let log = try standIn.waitForWebhookCalls(of: id) { $0.contains { $0["gave_up"] == .bool(true) } }
        #expect(log.compactMap { $0["attempt"]?.intValue } == [1, 2, 3])
        #expect(log.compactMap { $0["gave_up"]?.boolValue } == [false, false, true])
        #expect(try standIn.stats()["totals"]?["webhooksGaveUp"] == .number(1))
    }

    @Test("a refused connection counts as a failed attempt with the error logged, and is retried")
    func refused() throws {
        let standIn = try StandInHarness(webhookAttempts: 2, webhookRetryMs: 5)
        let receiver = try WebhookReceiver()
        let url = receiver.url
        receiver.stop()
        let id = try standIn.createWithWebhook(url, filter: "[\"completed\"]")
        let log = try standIn.waitForWebhookCalls(of: id) { $0.count == 2 }
        #expect(log.compactMap { $0["status"]?.intValue } == [0, 0])
        #expect(log.allSatisfy { $0["error"]?.stringValue?.isEmpty == false })
        #expect(log.last?["gave_up"] == .bool(true))
    }

    @Test("cancel of a running prediction delivers completed with canceled at once, and only once")
    func cancelDeliversOnce() throws {
        let standIn = try StandInHarness(delayMs: 150)
        let receiver = try WebhookReceiver()
        let id = try standIn.createWithWebhook(receiver.url)
        #expect(try standIn.request("POST", "/v1/predictions/\(id)/cancel").status == 200)
        let log = try standIn.waitForWebhookCalls(of: id) { !$0.isEmpty }
        #expect(log.first?["event"]?.stringValue == "completed")
        #expect(receiver.deliveries.first?.json["status"]?.stringValue == "canceled")
        // A sentinel ending after the canceled one's natural end (300 ms): the scheduler runs
        // events in due order, so once the sentinel's completion arrived, the canceled
        // prediction's own natural completion has been processed too.
        let sentinel = try standIn.createWithWebhook(
            receiver.url, filter: "[\"completed\"]", input: StandInHarness.input(extra: ",\"__fault\":{\"delayMs\":250}"))
        try standIn.waitForWebhookCalls(of: sentinel) { !$0.isEmpty }
        #expect(try standIn.webhookCalls(of: id).count == 1)
        #expect(receiver.deliveries.filter { $0.json["id"]?.stringValue == id }.count == 1)
        // Canceling again (terminal now) delivers nothing more.
        _ = try standIn.request("POST", "/v1/predictions/\(id)/cancel")
        let second = try standIn.createWithWebhook(receiver.url, filter: "[\"completed\"]")
        try standIn.waitForWebhookCalls(of: second) { !$0.isEmpty }
        #expect(try standIn.webhookCalls(of: id).count == 1)
    }

    @Test("a Cancel-After deadline before start delivers completed with aborted")
    func abortedByDeadline() throws {
        let standIn = try StandInHarness(delayMs: 200)
        let receiver = try WebhookReceiver()
        let body = StandInHarness.createBody(extra: "\"webhook\":\"\(receiver.url)\"")
        let response = try standIn.request("POST", "/v1/predictions",
                                           headers: StandInHarness.auth + [("Cancel-After", "50ms")], body: body)
        let id = try #require(try response.json()["id"]?.stringValue)
        try standIn.waitForWebhookCalls(of: id) { !$0.isEmpty }
        #expect(receiver.deliveries.compactMap { $0.json["status"]?.stringValue } == ["aborted"])
    }

    @Test("bad webhook or webhook_events_filter values are a 422 naming the field")
    func validation() throws {
        let standIn = try StandInHarness()
        let cases: [(String, String)] = [
            ("\"webhook\":\"ftp://example.com/hook\"", "webhook"),
            ("\"webhook\":\"example.com/hook\"", "webhook"),
            ("\"webhook\":\"http://\"", "webhook"),
            ("\"webhook\":\"http://exa mple.com/\"", "webhook"),
            ("\"webhook\":42", "webhook"),
            ("\"webhook\":\"http://x/h\",\"webhook_events_filter\":[\"start\",\"bogus\"]", "webhook_events_filter"),
            ("\"webhook\":\"http://x/h\",\"webhook_events_filter\":\"completed\"", "webhook_events_filter"),
            ("\"webhook\":\"http://x/h\",\"webhook_events_filter\":[1]", "webhook_events_filter"),
        ]
        for (extra, field) in cases {
            let response = try standIn.request("POST", "/v1/predictions", body: StandInHarness.createBody(extra: extra))
            #expect(response.status == 422, "\(extra)")
            let problem = try response.json()
            #expect(problem["instance"]?.stringValue == field, "\(extra)")
            #expect(problem["detail"]?.stringValue?.contains(field) == true, "\(extra)")
        }
        #expect(try standIn.stats()["totals"]?["predictions"] == .number(0))
        let ok = try standIn.request("POST", "/v1/predictions", body: StandInHarness.createBody(
            extra: "\"webhook\":\"HTTPS://example.com/hook?x=1\",\"webhook_events_filter\":[\"logs\",\"output\"]"))
        #expect(ok.status == 201)
        #expect(try ok.json()["webhook"]?.stringValue == "HTTPS://example.com/hook?x=1")
        #expect(try ok.json()["webhook_events_filter"] == .array([.string("logs"), .string("output")]))
        let plain = try standIn.create()
        #expect(try plain.json()["webhook"] == nil)
    }

    @Test("stop() with deliveries pending and a receiver that hangs returns within about a second; nothing is sent after")
    func promptStop() throws {
        let receiver = try WebhookReceiver(holdMs: 5000)
        let standIn = try StandInHarness(delayMs: 0)
        let hung = try standIn.createWithWebhook(receiver.url, filter: "[\"completed\"]")
        receiver.waitForDeliveries(1)
        let later = try StandInHarness(delayMs: 100)
        let pending = try later.createWithWebhook(receiver.url, filter: "[\"completed\"]")
        var start = ContinuousClock.now
        later.server.stop()
        #expect(ContinuousClock.now - start < .milliseconds(500))
        start = ContinuousClock.now
        standIn.server.stop()  // one sender is stuck in the 5 s answer: detached after a second
        #expect(ContinuousClock.now - start < .milliseconds(1500))
        // `pending` was due 200 ms after its create; give it twice that to show up, polling.
        let delivered = poll(within: 0.4) { receiver.deliveries.contains { $0.json["id"]?.stringValue == pending } }
        #expect(!delivered, "a stopped stand-in delivers nothing more")
        #expect(receiver.deliveries.count == 1)
        #expect(receiver.deliveries.first?.json["id"]?.stringValue == hung)
    }
}
