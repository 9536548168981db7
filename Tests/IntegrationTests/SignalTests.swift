import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// Signals as a terminal and an operator send them: Ctrl-C and Ctrl-\ reach the whole foreground
/// process group, SIGKILL leaves no time to clean up, a closed log reader raises SIGPIPE.
@Suite(.serialized) struct SignalTests {
    /// The host runs as a terminal's foreground job (its own process group); the signal goes to the
    /// whole group, so the workers get it too, directly. They must not die of it: the master drains.
    @Test(.timeLimit(.minutes(1)), arguments: [SIGINT, SIGQUIT])
    func aSignalToTheWholeProcessGroupDrainsLikeSIGTERM(signal: Int32) throws {
        let stack = try HostStack()
        defer { stack.stop() }
        let group = getpgid(stack.process.processIdentifier)
        try #require(group == stack.process.processIdentifier, "the host leads its own process group")
        let base = stack.baseURL
        let drained = Holder<Int>()
        let thread = Thread { drained.set((try? sendRequest(base, "/sleep?ms=700"))?.status ?? -1) }
        thread.start()
        try waitUntilBusy(stack, function: "sleep")
        kill(-group, signal)
        let deadline = Date().addingTimeInterval(15)
        while stack.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(!stack.process.isRunning, "the host exited after draining")
        let answered = Date().addingTimeInterval(5)
        while drained.value == nil, Date() < answered { Thread.sleep(forTimeInterval: 0.02) }
        #expect(drained.value == 200, "the running invocation finished with its own answer")
        if !stack.process.isRunning {
            #expect(stack.process.terminationReason == .exit && stack.process.terminationStatus == 0)
        }
        #expect(stack.logEvents("worker_crashed").isEmpty, "no worker died of the signal: \(stack.log().suffix(1500))")
        #expect(stack.logEvents("draining").first?["signal"]?.numberValue == Double(signal))
        #expect(stack.logEvents("host_stopped").count == 1)
    }
}

/// Waits until the status page shows an invocation of `function` running.
func waitUntilBusy(_ stack: HostStack, function: String, within seconds: Double = 10) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try stack.statusPage()["functions"]?[function]?["busy"]?.numberValue ?? 0) > 0 { return }
        Thread.sleep(forTimeInterval: 0.01)
    }
    throw StackError("no invocation of \(function) started within \(seconds) s")
}
