import Testing

@testable import FunctionHost

/// The master <-> worker packet format.
@Suite struct ControlMessageTests {
    static let messages: [ControlMessage] = [
        .dispatch(deadlineMilliseconds: 1_735_732_830_000),
        .dispatch(deadlineMilliseconds: 0),
        .dispatch(deadlineMilliseconds: -5),
        .dispatch(deadlineMilliseconds: .max),
        .ended(status: 200, outcome: "ok", kept: true, retiring: false, failure: ""),
        .ended(status: 0, outcome: "error", kept: false, retiring: true, failure: "handlerFailed: boom happened"),
        .ended(status: 502, outcome: "crash", kept: true, retiring: true, failure: "Привет: ünïcödé"),
    ]

    @Test(arguments: messages)
    func roundTrips(message: ControlMessage) {
        #expect(ControlMessage.decode(message.encoded()) == message)
    }

    @Test func encodingsAreTabSeparatedText() {
        #expect(String(decoding: ControlMessage.dispatch(deadlineMilliseconds: 42).encoded(), as: UTF8.self) == "D\t42")
        #expect(
            String(
                decoding: ControlMessage.ended(status: 504, outcome: "timeout", kept: false, retiring: true, failure: "")
                    .encoded(), as: UTF8.self) == "E\t504\ttimeout\t0\t1\t")
    }

    @Test func tabsAndLineBreaksInFieldsBecomeSpaces() {
        let ended = ControlMessage.ended(
            status: 502, outcome: "er\tror", kept: true, retiring: false, failure: "line one\r\nline\ttwo")
        #expect(
            ControlMessage.decode(ended.encoded())
                == .ended(status: 502, outcome: "er ror", kept: true, retiring: false, failure: "line one  line two"))
    }

    @Test func longFailuresAreCutButStillDecode() throws {
        let long = String(repeating: "x", count: 5000)
        let bytes = ControlMessage.ended(status: 502, outcome: "error", kept: false, retiring: false, failure: long)
            .encoded()
        #expect(bytes.count <= ControlMessage.capacity)
        let decoded = try #require(ControlMessage.decode(bytes))
        guard case .ended(let status, _, _, _, let failure) = decoded else {
            Issue.record("decoded \(decoded)")
            return
        }
        #expect(status == 502)
        #expect(failure == String(repeating: "x", count: 1024))
    }

    @Test(arguments: [
        "", "X", "D", "D\t", "D\tabc", "D\t1\t2", "D\t1.5", "B\t1\tr\tGET", "B\t1\tr", "E\t200\tok\t1\t0\t\t", "E\t200\tok\t1\t0", "E\tok\tok\t1\t0\t", "E\t200\tok\t1\t0\tf\tg",
        "d\t1", " D\t1", "DD\t1", "\t\t\t",
    ])
    func garbageDecodesToNil(text: String) {
        #expect(ControlMessage.decode(Array(text.utf8)) == nil)
    }

    @Test func randomBytesDecodeWithoutTrapping() {
        var state: UInt64 = 0x5EED
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<5000 {
            let count = Int(next()) % 40
            var bytes = (0..<count).map { _ in next() % 4 == 0 ? 9 : next() }
            if !bytes.isEmpty { bytes[0] = [UInt8(ascii: "D"), UInt8(ascii: "B"), UInt8(ascii: "E")][Int(next()) % 3] }
            _ = ControlMessage.decode(bytes)
        }
    }
}
