import Foundation
import FastCGI
import FnhostTestSupport
import FunctionRuntime
import Testing

/// A request whose body cannot be read (shorter than its `CONTENT_LENGTH`, or the connection reset
/// in the middle of it) is answered or closed, and the worker's FastCGI state is reset: the next
/// connection it is handed gets its own answer, never the end records of the failed one. Spoken
/// directly to the function's socket (nginx buffers bodies and never sends a short one).
@Suite(.serialized) struct WorkerRequestStateTests {
    /// `sleep` has one worker, so both requests reach the same process.
    @Test func aShortBodyIsAnswered400AndTheNextConnectionGetsItsOwnAnswer() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let socket = try DirectFastCGIClient.socketPath(of: "sleep", in: stack)
        let before = try #require(try stack.send("/sleep?ms=1").json?["pid"]?.numberValue)

        let short = try DirectFastCGIClient(path: socket)
        try short.send(DirectFastCGIClient.request(method: "POST", query: "ms=1", body: Array("0123456789".utf8), announcedLength: 100))
        let refused = short.readAnswer()
        let answer = try #require(FastCGIRecord.parseResponse(refused.bytes), "the short body got an answer")
        #expect(answer.status == 400)
        let json = try JSONValue.parse(answer.body)
        #expect(json["errorType"] == "BadRequest", "\(String(decoding: answer.body, as: UTF8.self))")
        short.close()

        try expectOwnAnswer(socket: socket, expectedPid: before)
    }

    @Test func aConnectionResetInTheMiddleOfABodyDoesNotPoisonTheNextConnection() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let socket = try DirectFastCGIClient.socketPath(of: "sleep", in: stack)
        let before = try #require(try stack.send("/sleep?ms=1").json?["pid"]?.numberValue)

        let broken = try DirectFastCGIClient(path: socket)
        let full = DirectFastCGIClient.request(method: "POST", query: "ms=1", body: Array(repeating: 0x61, count: 1000))
        // Everything up to the middle of the body, then a reset: no end of the STDIN stream.
        try broken.send(Array(full.prefix(full.count - 600)))
        // The worker has the request once the master no longer counts it as queued.
        try stack.waitUntilBusy(function: "sleep")
        broken.reset()

        try expectOwnAnswer(socket: socket, expectedPid: before)
    }

    /// Three requests one after another on fresh connections: each gets its own complete 200 from
    /// the same (still living) worker.
    private func expectOwnAnswer(socket: String, expectedPid: Double) throws {
        for round in 0..<3 {
            let next = try DirectFastCGIClient(path: socket)
            try next.send(DirectFastCGIClient.request(query: "ms=1&round=\(round)"))
            let received = next.readAnswer()
            let answer = try #require(FastCGIRecord.parseResponse(received.bytes), "round \(round) got an answer")
            #expect(answer.status == 200, "round \(round): \(String(decoding: answer.body, as: UTF8.self))")
            let json = try JSONValue.parse(answer.body)
            #expect(json["slept"] == 1, "round \(round): its own answer, not the end of the failed request's")
            #expect(json["pid"]?.numberValue == expectedPid, "the same worker served it")
            next.close()
        }
    }
}
