import Testing
@testable import ReplicateStandIn
import WebhookSignature

@Suite("Admin endpoints: calls and stats")
struct AdminEndpointTests {
    @Test("calls record method, path, prediction id, the try-on fields, time and status")
    func callLog() throws {
        let standIn = try StandInHarness()
        let id = try standIn.createID(input: StandInHarness.input(category: "dresses"))
        _ = try standIn.get(id)
        _ = try standIn.request("POST", "/v1/predictions/\(id)/cancel")
        _ = try standIn.create(headers: [])
        let calls = try standIn.calls()
        #expect(calls.compactMap { $0["kind"]?.stringValue } == ["create", "get", "cancel", "create"])
        #expect(calls.compactMap { $0["status"]?.intValue } == [201, 200, 200, 401])
        let create = try #require(calls.first)
        #expect(create["method"]?.stringValue == "POST")
        #expect(create["path"]?.stringValue == "/v1/predictions")
        #expect(create["prediction_id"]?.stringValue == id)
        #expect(create["human_img"]?.stringValue == "https://storage.example.com/t_01/person.jpg")
        #expect(create["garm_img"]?.stringValue == "https://storage.example.com/t_01/garment-0.jpg")
        #expect(create["category"]?.stringValue == "dresses")
        #expect(create["garment_des"]?.stringValue == "short sleeve t-shirt")
        #expect(create["time"]?.stringValue?.hasSuffix("Z") == true)
        #expect(calls[3]["prediction_id"] == .null)
        let sequences = calls.compactMap { $0["sequence"]?.intValue }
        #expect(sequences == sequences.sorted() && Set(sequences).count == 4)
    }

    @Test("stats count creates, gets and cancels per prediction and creates per input")
    func stats() throws {
        let standIn = try StandInHarness()
        let a = try standIn.createID()
        let b = try standIn.createID(input: StandInHarness.input(garment: "https://x/other.jpg"))
        let c = try standIn.createID()
        for _ in 0..<3 { _ = try standIn.get(a) }
        _ = try standIn.get(b)
        _ = try standIn.request("POST", "/v1/predictions/\(b)/cancel")
        let stats = try standIn.stats()
        #expect(stats["predictions"]?[a]?["creates"] == .number(1))
        #expect(stats["predictions"]?[a]?["gets"] == .number(3))
        #expect(stats["predictions"]?[a]?["status"]?.stringValue == "succeeded")
        #expect(stats["predictions"]?[b]?["gets"] == .number(1))
        #expect(stats["predictions"]?[b]?["cancels"] == .number(1))
        #expect(stats["predictions"]?[c]?["gets"] == .number(0))
        #expect(stats["totals"]?["creates"] == .number(3))
        #expect(stats["totals"]?["gets"] == .number(4))
        let byInput = try #require(stats["createsByInput"]?.arrayValue)
        #expect(byInput.count == 2)
        #expect(byInput.first?["creates"] == .number(2))
        #expect(byInput.last?["garm_img"]?.stringValue == "https://x/other.jpg")
        #expect(byInput.last?["creates"] == .number(1))
    }

    @Test("DELETE /_standin/calls clears the log and the stats, but predictions stay")
    func clearCalls() throws {
        let standIn = try StandInHarness()
        let id = try standIn.createID()
        let cleared = try standIn.request("DELETE", "/_standin/calls", headers: [])
        #expect(try cleared.json()["cleared"] == .number(1))
        #expect(try standIn.calls().isEmpty)
        #expect(try standIn.stats()["totals"]?["calls"] == .number(0))
        #expect(try standIn.get(id).status == 200)
        #expect(try standIn.calls().count == 1)
    }

    @Test("admin calls are not logged; health answers ok")
    func healthNotLogged() throws {
        let standIn = try StandInHarness()
        let health = try standIn.request("GET", "/_standin/health", headers: [])
        #expect(health.status == 200)
        #expect(try health.json()["ok"] == .bool(true))
        _ = try standIn.stats()
        #expect(try standIn.calls().isEmpty)
    }

    @Test("the webhook secret is random per start (whsec_ + 32 bytes), stable, and needs auth")
    func webhookSecret() throws {
        let standIn = try StandInHarness()
        let secret = try standIn.webhookSecret()
        #expect(secret.hasPrefix("whsec_"))
        #expect(WebhookSignature.key(fromSecret: secret)?.count == 32)
        #expect(try standIn.webhookSecret() == secret)
        #expect(secret == standIn.server.webhookSecret)
        #expect(try StandInHarness().webhookSecret() != secret)
        #expect(try standIn.request("GET", "/v1/webhooks/default/secret", headers: []).status == 401)
    }

    @Test("a configured webhook secret is used as given; a malformed one is refused at init")
    func configuredWebhookSecret() throws {
        let vector = "whsec_dGVzdC1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmNkZWY="
        #expect(try StandInHarness(webhookSecret: vector).webhookSecret() == vector)
        for bad in ["dGVzdA==", "whsec_not base64", "whsec_"] {
            #expect(throws: StandInError.self) {
                _ = try ReplicateStandInServer(configuration: .init(webhookSecret: bad))
            }
        }
    }
}
