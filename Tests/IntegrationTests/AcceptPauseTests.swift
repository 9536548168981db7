import Foundation
import FastCGI
import FnhostTestSupport
import FunctionRuntime
import Testing

/// The master out of descriptors: `accept` fails with EMFILE while connections wait. It pauses
/// accepting on that socket (counted on the status page) instead of spinning on a listener that
/// stays readable, and serves the waiting connections once descriptors are free again.
@Suite(.serialized) struct AcceptPauseTests {
    @Test(.timeLimit(.minutes(1))) func acceptFailingWithEMFILEPausesAndIsCounted() throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let master = stack.process.processIdentifier
        let socket = try DirectFastCGIClient.socketPath(of: "echo", in: stack)
        let original = try softDescriptorLimit(of: master)
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(master)/fd").count
        // Room for two more descriptors: two idle connections fill it.
        try setSoftDescriptorLimit(of: master, to: open + 2)
        var restored = false
        defer { if !restored { try? setSoftDescriptorLimit(of: master, to: original) } }
        let idle = try (0..<2).map { _ in try DirectFastCGIClient(path: socket) }
        let waiting = try (0..<3).map { index -> DirectFastCGIClient in
            let client = try DirectFastCGIClient(path: socket)
            try client.send(DirectFastCGIClient.request(query: "waiting=\(index)"))
            return client
        }
        poll(within: 15) { !stack.logEvents("accept_paused").isEmpty }
        #expect(!stack.logEvents("accept_paused").isEmpty, "accept failed and paused: \(stack.log().suffix(1000))")
        // Descriptors free again: the waiting connections are accepted and answered.
        for client in idle { client.close() }
        for (index, client) in waiting.enumerated() {
            let answer = FastCGIRecord.parseResponse(client.readAnswer(within: 15).bytes)
            #expect(answer?.status == 200, "waiting connection \(index) was served")
            client.close()
        }
        try setSoftDescriptorLimit(of: master, to: original)
        restored = true
        let status = try stack.statusPage()
        let pauses = try #require(status["functions"]?["echo"]?["accept_pauses"]?.numberValue)
        #expect(pauses >= 1)
        #expect(status["accept_pauses"]?.numberValue ?? 0 >= pauses)
        let logged = stack.logEvents("accept_paused").filter { $0["function"] == "echo" }.count
        #expect(Double(logged) == pauses, "one line per pause, not one per spin")
        #expect(try stack.send("/echo").status == 200)
    }

    private func softDescriptorLimit(of pid: pid_t) throws -> Int {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }),
            let soft = line.dropFirst("Max open files".count).split(separator: " ").first.flatMap({ Int($0) })
        else { throw StackError("no open files limit in /proc/\(pid)/limits") }
        return soft
    }

    /// `prlimit --pid` (util-linux): the soft RLIMIT_NOFILE of another process.
    private func setSoftDescriptorLimit(of pid: pid_t, to soft: Int) throws {
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        tool.arguments = ["--pid", String(pid), "--nofile=\(soft):"]
        try tool.run()
        tool.waitUntilExit()
        guard tool.terminationStatus == 0 else { throw StackError("prlimit failed with \(tool.terminationStatus)") }
    }
}
