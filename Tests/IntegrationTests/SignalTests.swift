import Foundation
import FunctionHost
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

/// A host killed outright (SIGKILL) leaves nothing that keeps a new one from starting.
@Suite(.serialized) struct KilledHostTests {
    @Test(.timeLimit(.minutes(1))) func afterSIGKILLANewHostOnTheSamePortAndRunFolderStartsAndAnswers() throws {
        let first = try HostStack()
        first.removesRunDirectory = false
        #expect(try first.send("/echo").status == 200)
        let nginx = try #require(first.logEvents("companion_started").first?["pid"]?.numberValue)
        kill(first.process.processIdentifier, SIGKILL)
        first.stop()
        let second = try HostStack(port: first.port, runDirectory: first.runDirectory)
        defer { second.stop() }
        #expect(try second.send("/echo").status == 200)
        let ownNginx = try #require(second.logEvents("companion_started").first?["pid"]?.numberValue)
        #expect(ownNginx != nginx)
        #expect(kill(pid_t(ownNginx), 0) == 0, "its own nginx runs (it could bind the port)")
        #expect(second.logEvents("stopping").isEmpty, "\(second.log().suffix(800))")
        #expect(SupervisionTests.livingProcesses(inGroup: pid_t(nginx)).isEmpty, "nothing of the killed host's nginx is left")
        #expect(second.process.isRunning)
    }

    /// Only the processes the record names, and only while they are still those processes.
    @Test(.timeLimit(.minutes(1))) func aNewHostStopsOnlyTheRecordedProcessesStillRunning() throws {
        func sleeper() throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sleep")
            process.arguments = ["300"]
            try process.run()
            return process
        }
        let recorded = try sleeper()
        let stranger = try sleeper()
        defer {
            for process in [recorded, stranger] where process.isRunning { process.terminate() }
        }
        let recordedStart = try #require(ProcessIdentity.current(pid: recorded.processIdentifier)?.startTime)
        let strangerStart = try #require(ProcessIdentity.current(pid: stranger.processIdentifier)?.startTime)
        let stack = try HostStack { runDirectory in
            // A host that is gone (pid 2^22 - 1 is never used), its recorded companion, and a pid
            // recorded with another start time: a different process now.
            let record = """
                host 4194303 1
                companion \(recorded.processIdentifier) \(recordedStart) nginx
                companion \(stranger.processIdentifier) \(strangerStart + 1) replicate-standin

                """
            try record.write(to: runDirectory.appendingPathComponent("companions"), atomically: true, encoding: .utf8)
        }
        defer { stack.stop() }
        let deadline = Date().addingTimeInterval(10)
        while recorded.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(!recorded.isRunning, "the recorded companion was stopped")
        #expect(stranger.isRunning, "a process that only shares a recorded pid was left alone")
        #expect(stack.logEvents("reclaimed").first?["companions"] == .array(["nginx"]))
        let record = try String(contentsOf: stack.runDirectory.appendingPathComponent("companions"), encoding: .utf8)
        #expect(record.hasPrefix("host \(stack.process.processIdentifier) "), "the new host recorded itself")
    }
}
