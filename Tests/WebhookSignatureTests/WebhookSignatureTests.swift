import Testing
import WebhookSignature

@Suite("Webhook signatures (Standard Webhooks, as Replicate signs)")
struct WebhookSignatureTests {
    /// The reference vector: the key bytes are the ASCII text `test-secret-key-0123456789abcdef`.
    static let secret = "whsec_dGVzdC1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmNkZWY="
    static let id = "msg_2test"
    static let timestamp: Int64 = 1_700_000_000
    static let body = Array(#"{"id":"p1","status":"succeeded"}"#.utf8)
    static let signature = "v1,PEFIX7tEpmfYttYM+2XrXkYcPhUROybwIoTwlexiGdI="

    /// `verify` with the reference values, any of them replaced.
    static func verify(secret: String = secret, id: String? = id, timestamp: String? = String(timestamp),
                       signatures: String? = signature, body: [UInt8] = body, now: Int64 = timestamp) -> WebhookSignature.Verdict {
        WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, signatures: signatures, body: body, now: now)
    }

    @Test("the reference vector signs and verifies")
    func referenceVector() {
        #expect(WebhookSignature.sign(secret: Self.secret, id: Self.id, timestamp: Self.timestamp, body: Self.body) == Self.signature)
        #expect(WebhookSignature.key(fromSecret: Self.secret) == Array("test-secret-key-0123456789abcdef".utf8))
        #expect(Self.verify() == .valid)
    }

    @Test("any matching v1 entry is accepted: a multi-entry header whose second entry matches")
    func secondEntryMatches() {
        let other = WebhookSignature.sign(secret: "whsec_" + StandardBase64.encode(Array("another key".utf8)),
                                          id: Self.id, timestamp: Self.timestamp, body: Self.body) ?? "v1,x"
        #expect(Self.verify(signatures: "\(other) \(Self.signature)") == .valid)
        #expect(Self.verify(signatures: "v1a,zzz  v1,not-base64 \(Self.signature)") == .valid)
        #expect(Self.verify(signatures: other) == .mismatch)
    }

    @Test("a tampered body, a wrong id or another timestamp does not verify")
    func tampered() {
        var body = Self.body
        body[body.count - 3] ^= 0x01
        #expect(Self.verify(body: body) == .mismatch)
        #expect(Self.verify(body: Self.body + [0x20]) == .mismatch)
        #expect(Self.verify(id: "msg_2tesT") == .mismatch)
        #expect(Self.verify(timestamp: "1700000001", now: Self.timestamp) == .mismatch)
    }

    @Test("timestamps 301 s old or ahead are out of range; 300 s either way is still fine")
    func tolerance() {
        #expect(Self.verify(now: Self.timestamp + 301) == .timestampOutOfRange)
        #expect(Self.verify(now: Self.timestamp - 301) == .timestampOutOfRange)
        #expect(Self.verify(now: Self.timestamp + 300) == .valid)
        #expect(Self.verify(now: Self.timestamp - 300) == .valid)
        #expect(WebhookSignature.verify(secret: Self.secret, id: Self.id, timestamp: String(Self.timestamp),
                                        signatures: Self.signature, body: Self.body, now: Self.timestamp + 30,
                                        toleranceSeconds: 10) == .timestampOutOfRange)
    }

    @Test("each missing (or empty) header is named")
    func missingHeaders() {
        #expect(Self.verify(id: nil) == .missingHeader("webhook-id"))
        #expect(Self.verify(timestamp: nil) == .missingHeader("webhook-timestamp"))
        #expect(Self.verify(signatures: nil) == .missingHeader("webhook-signature"))
        #expect(Self.verify(id: "") == .missingHeader("webhook-id"))
        #expect(Self.verify(signatures: "") == .missingHeader("webhook-signature"))
    }

    @Test("a malformed timestamp is reported as such", arguments: ["abc", "-1700000000", "1700000000.5", " 1700000000", "+1", "99999999999999999999"])
    func malformedTimestamp(text: String) {
        #expect(Self.verify(timestamp: text) == .malformedTimestamp)
    }

    @Test("only v1 entries count: a v2 entry with the right bytes is a mismatch")
    func otherVersions() {
        let value = String(Self.signature.dropFirst(3))
        #expect(Self.verify(signatures: "v2,\(value)") == .mismatch)
        #expect(Self.verify(signatures: value) == .mismatch)
    }

    @Test("secrets that are not whsec_<base64> are bad", arguments: [
        "whsec_dGVzdC1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmNkZWY", "whsec_d!VzdA==", "dGVzdC1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
        "whsec_", "WHSEC_dGVzdA==",
    ])
    func badSecret(secret: String) {
        #expect(WebhookSignature.sign(secret: secret, id: Self.id, timestamp: Self.timestamp, body: Self.body) == nil)
        #expect(Self.verify(secret: secret) == .badSecret)
    }

    @Test("messages name the problem and never carry the secret or the expected signature")
    func messages() {
        let verdicts: [WebhookSignature.Verdict] = [.valid, .missingHeader("webhook-id"), .malformedTimestamp,
                                                    .timestampOutOfRange, .badSecret, .mismatch]
        for verdict in verdicts {
            #expect(!verdict.message.isEmpty)
            #expect(!verdict.message.contains("dGVzdC1zZWNyZXQ"))
            #expect(!verdict.message.contains("PEFIX7"))
        }
        #expect(WebhookSignature.Verdict.missingHeader("webhook-id").message.contains("webhook-id"))
    }

    @Test("constant-time comparison: equal, different at the first or last byte, different lengths")
    func constantTimeEqual() {
        let tag = [UInt8](repeating: 7, count: 32)
        var first = tag, last = tag
        first[0] = 8
        last[31] = 8
        #expect(WebhookSignature.constantTimeEqual(tag, tag))
        #expect(!WebhookSignature.constantTimeEqual(tag, first))
        #expect(!WebhookSignature.constantTimeEqual(tag, last))
        #expect(!WebhookSignature.constantTimeEqual(tag, Array(tag.dropLast())))
    }
}
