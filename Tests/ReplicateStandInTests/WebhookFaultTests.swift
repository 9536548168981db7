import Testing
@testable import ReplicateStandIn
import WebhookSignature

@Suite("Webhook fault switches and delay jitter")
struct WebhookFaultTests {
    static let completedOnly = "[\"completed\"]"

    /// An input whose `__fault` is `fault` (JSON object text).
    static func input(fault: String) -> String {
        StandInHarness.input(extra: ",\"__fault\":\(fault)")
    }

    @Test("webhookDrop: the next completed delivery is never sent (logged as dropped); the one after is")
    func drop() throws {
        let standIn = try StandInHarness()
        let receiver = try WebhookReceiver()
        try standIn.setFaults("{\"webhookDrop\": 1}")
        // One after the other: created together, the two complete at about the same time and either
        // completed event may reach the one-shot switch first (under load it is sometimes the second).
        let dropped = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        let log = try standIn.waitForWebhookCalls(of: dropped) { !$0.isEmpty }
        let delivered = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        try standIn.waitForWebhookCalls(of: delivered) { !$0.isEmpty }
        #expect(log.count == 1)
        #expect(log.first?["dropped"] == .bool(true))
        #expect(log.first?["attempt"]?.intValue == 0)
        #expect(receiver.deliveries.compactMap { $0.json["id"]?.stringValue } == [delivered])
        #expect(try standIn.stats()["totals"]?["webhooksDropped"] == .number(1))

        let own = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly, input: Self.input(fault: "{\"webhookDrop\":1}"))
        #expect(try standIn.waitForWebhookCalls(of: own) { !$0.isEmpty }.first?["dropped"] == .bool(true))
    }

    @Test("webhookDuplicate: the completed delivery arrives twice with the same webhook-id, both signed")
    func duplicate() throws {
        let standIn = try StandInHarness()
        let receiver = try WebhookReceiver()
        try standIn.setFaults("{\"webhookDuplicate\": 1}")
        let id = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        let received = receiver.waitForDeliveries(2)
        try #require(received.count == 2)
        #expect(received[0].webhookID == received[1].webhookID)
        #expect(received[0].body == received[1].body)
        let secret = try standIn.webhookSecret()
        #expect(received.allSatisfy { $0.verdict(secret: secret) == .valid })
        let log = try standIn.waitForWebhookCalls(of: id) { $0.count == 2 }
        #expect(log.compactMap { $0["duplicate"]?.boolValue } == [false, true])

        let own = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly,
                                                input: Self.input(fault: "{\"webhookDuplicate\":1}"))
        #expect(try standIn.waitForWebhookCalls(of: own) { $0.count == 2 }.count == 2)
        let next = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        #expect(try standIn.waitForWebhookCalls(of: next) { !$0.isEmpty }.count == 1)
    }

    @Test("webhookDelayMs: the next completed delivery goes out that much later (count defaults to 1)")
    func delay() throws {
        let standIn = try StandInHarness()
        let receiver = try WebhookReceiver()
        try standIn.setFaults("{\"webhookDelayMs\": 300}")
        #expect(try standIn.request("GET", "/_standin/faults", headers: []).json()["webhookDelayCount"] == .number(1))
        let start = ContinuousClock.now
        let delayed = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        let log = try standIn.waitForWebhookCalls(of: delayed) { !$0.isEmpty }
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        #expect(log.first?["delayMs"]?.intValue == 300)
        let quick = ContinuousClock.now
        let prompt = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        try standIn.waitForWebhookCalls(of: prompt) { !$0.isEmpty }
        #expect(ContinuousClock.now - quick < .milliseconds(290))

        let own = ContinuousClock.now
        let perPrediction = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly,
                                                          input: Self.input(fault: "{\"webhookDelayMs\":200}"))
        try standIn.waitForWebhookCalls(of: perPrediction) { !$0.isEmpty }
        #expect(ContinuousClock.now - own >= .milliseconds(200))
    }

    @Test("webhookForge: a wrong-secret signature; a verifying receiver's 401 gets it retried, still forged")
    func forge() throws {
        let standIn = try StandInHarness(webhookAttempts: 3, webhookRetryMs: 5)
        let receiver = try WebhookReceiver()
        let secret = try standIn.webhookSecret()
        receiver.verify(with: secret)
        try standIn.setFaults("{\"webhookForge\": 1}")
        let forged = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        let log = try standIn.waitForWebhookCalls(of: forged) { $0.count == 3 }
        #expect(log.compactMap { $0["status"]?.intValue } == [401, 401, 401])
        #expect(log.allSatisfy { $0["forged"] == .bool(true) })
        #expect(log.last?["gave_up"] == .bool(true))
        let received = receiver.deliveries
        #expect(received.count == 3)
        #expect(received.allSatisfy { $0.verdict(secret: secret) == .mismatch })
        #expect(Set(received.compactMap(\.webhookID)).count == 1)
        let honest = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        let honestLog = try standIn.waitForWebhookCalls(of: honest) { !$0.isEmpty }
        #expect(honestLog.compactMap { $0["status"]?.intValue } == [200])
    }

    @Test("webhookFail: the next N attempts fail before sending and are retried")
    func fail() throws {
        let standIn = try StandInHarness()
        let receiver = try WebhookReceiver()
        try standIn.setFaults("{\"webhookFail\": 2}")
        let id = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly)
        let log = try standIn.waitForWebhookCalls(of: id) { $0.contains { $0["status"]?.intValue == 200 } }
        #expect(log.compactMap { $0["status"]?.intValue } == [0, 0, 200])
        #expect(log.compactMap { $0["injected"]?.boolValue } == [true, true, false])
        #expect(receiver.deliveries.count == 1)
        let totals = try standIn.stats()["totals"]
        #expect(totals?["webhooksSent"] == .number(1))
        #expect(totals?["webhooksFailed"] == .number(2))

        let own = try standIn.createWithWebhook(receiver.url, filter: Self.completedOnly, input: Self.input(fault: "{\"webhookFail\":1}"))
        let ownLog = try standIn.waitForWebhookCalls(of: own) { $0.contains { $0["status"]?.intValue == 200 } }
        #expect(ownLog.compactMap { $0["attempt"]?.intValue } == [1, 2])
    }

    @Test("fault fields are reported, merged and cleared like the others")
    func faultFields() throws {
        let standIn = try StandInHarness()
        try standIn.setFaults("{\"webhookDrop\":1,\"webhookDuplicate\":2,\"webhookForge\":3,\"webhookFail\":4,\"delayJitterMs\":5}")
        let faults = try standIn.request("GET", "/_standin/faults", headers: []).json()
        #expect(faults["webhookDrop"] == .number(1) && faults["webhookDuplicate"] == .number(2))
        #expect(faults["webhookForge"] == .number(3) && faults["webhookFail"] == .number(4))
        #expect(faults["delayJitterMs"] == .number(5))
        #expect(try standIn.request("POST", "/_standin/faults", headers: [], body: "{\"webhookDrop\":-1}").status == 400)
        _ = try standIn.request("DELETE", "/_standin/faults", headers: [])
        let cleared = try standIn.request("GET", "/_standin/faults", headers: []).json()
        #expect(cleared["webhookFail"] == .number(0) && cleared["delayJitterMs"] == .null)
    }

    @Test("--delay-jitter-ms: each phase delay is delay ± uniform(0, J), never negative, and they differ")
    func jitter() throws {
        let standIn = try StandInHarness(delayMs: 100, jitterMs: 40)
        var delays: [Int] = []
        for _ in 0..<30 { delays.append(try #require(standIn.phaseDelay(of: try standIn.createID()))) }
        #expect(delays.allSatisfy { (60...140).contains($0) })
        #expect(Set(delays).count > 1)

        let small = try StandInHarness(delayMs: 10, jitterMs: 50)
        for _ in 0..<30 {
            let delay = try #require(small.phaseDelay(of: try small.createID()))
            #expect((0...60).contains(delay))
        }

        try small.setFaults("{\"delayMs\": 1000, \"delayJitterMs\": 0}")
        #expect(small.phaseDelay(of: try small.createID()) == 1000)
        let own = try small.createID(input: Self.input(fault: "{\"delayMs\":500,\"delayJitterMs\":100}"))
        #expect((400...600).contains(try #require(small.phaseDelay(of: own))))
        let samples = (0..<2000).map { _ in PredictionRecord.jitteredDelay(5, jitter: 3) }
        #expect(Set(samples) == Set(2...8))
    }
}
