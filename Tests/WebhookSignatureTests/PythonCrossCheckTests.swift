import Testing
import WebhookSignature

@Suite("Cross-check against Python's hashlib and hmac")
struct PythonCrossCheckTests {
    /// Reads `<key hex> <message hex>` lines and prints `<sha256(message) hex> <hmac(key, message) hex>`.
    static let script = """
        import hashlib, hmac, sys
        for line in sys.stdin:
            key, message = (bytes.fromhex(part) for part in line.split(" "))
            print(hashlib.sha256(message).hexdigest(), hmac.new(key, message, hashlib.sha256).hexdigest())
        """

    @Test("50 random keys and messages of random lengths give the same SHA-256 and HMAC as Python",
          .enabled(if: PythonProcess.isAvailable, "needs \(PythonProcess.interpreter)"))
    func randomCases() throws {
        var generator = SystemRandomNumberGenerator()
        let cases: [(key: [UInt8], message: [UInt8])] = (0..<50).map { _ in
            let keyLength = Int(generator.next(upperBound: UInt64(200)))
            let messageLength = Int(generator.next(upperBound: UInt64(1200)))
            return ((0..<keyLength).map { _ in generator.next() }, (0..<messageLength).map { _ in generator.next() })
        }
        let input = cases.map { "\(Hex.encode($0.key)) \(Hex.encode($0.message))\n" }.joined()
        let output = try PythonProcess.run(arguments: ["-c", Self.script], input: Array(input.utf8))
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == cases.count)
        for (testCase, line) in zip(cases, lines) {
            let expected = line.split(separator: " ").map(String.init)
            #expect(Hex.encode(SHA256.hash(testCase.message)) == expected.first)
            #expect(Hex.encode(HMACSHA256.authenticationCode(key: testCase.key, message: testCase.message)) == expected.last,
                    "key \(testCase.key.count) bytes, message \(testCase.message.count) bytes")
        }
    }
}
