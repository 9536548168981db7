import FnhostTestSupport
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
        try stack.waitUntilBusy(function: "sleep")
        kill(-group, signal)
        #expect(poll(within: 15) { !stack.process.isRunning }, "the host exited after draining")
        poll(within: 5) { drained.value != nil }
        #expect(drained.value == 200, "the running invocation finished with its own answer")
        if !stack.process.isRunning {
            #expect(stack.process.terminationReason == .exit && stack.process.terminationStatus == 0)
        }
        #expect(stack.logEvents("worker_crashed").isEmpty, "no worker died of the signal: \(stack.log().suffix(1500))")
        #expect(stack.logEvents("draining").first?["signal"]?.numberValue == Double(signal))
        #expect(stack.logEvents("host_stopped").count == 1)
    }
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

    /// A companion's leader killed outright together with the host (an OOM kill, `kill -9` of
    /// both) leaves the rest of its process group running with no leader: nginx's workers,
    /// holding the port. The next host finds them by the recorded leader's group and stops them,
    /// and leaves every other process alone.
    @Test(.timeLimit(.minutes(1))) func theOrphanedGroupOfAKilledCompanionIsStoppedByTheNextHost() throws {
        // A stand-in for nginx: a process group's leader with two children. Spawned and reaped by
        // hand: the test must know the leader's pid and see it gone before the next host starts.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let texts: [String] = ["/bin/sh", "-c", "sleep 300 & sleep 300 & wait"]
        let arguments: [UnsafeMutablePointer<CChar>?] = texts.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var group: pid_t = 0
        try #require(posix_spawn(&group, "/bin/sh", nil, &attributes, arguments, environ) == 0)
        let stranger = Process()
        stranger.executableURL = URL(fileURLWithPath: "/bin/sleep")
        stranger.arguments = ["300"]
        try stranger.run()
        defer {
            if stranger.isRunning { stranger.terminate() }
            for pid in SupervisionTests.livingProcesses(inGroup: group) { kill(pid, SIGKILL) }
        }
        poll(within: 10, every: 0.01) { SupervisionTests.livingProcesses(inGroup: group).count >= 3 }
        let leaderStart = try #require(ProcessIdentity.current(pid: group)?.startTime)
        kill(group, SIGKILL)
        var status: Int32 = 0
        try #require(waitpid(group, &status, 0) == group)
        let orphans = SupervisionTests.livingProcesses(inGroup: group)
        try #require(orphans.count == 2, "the children outlive their leader")

        let stack = try HostStack { runDirectory in
            let record = "host 4194303 1\ncompanion \(group) \(leaderStart) nginx\n"
            try record.write(to: runDirectory.appendingPathComponent("companions"), atomically: true, encoding: .utf8)
        }
        defer { stack.stop() }
        #expect(poll(within: 10) { SupervisionTests.livingProcesses(inGroup: group).isEmpty }, "the orphaned children were stopped")
        #expect(stranger.isRunning, "a process outside the group was left alone")
        #expect(stack.logEvents("reclaimed").first?["orphans"]?.numberValue == 2)
        #expect(try stack.send("/echo").status == 200)
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
        #expect(poll(within: 10) { !recorded.isRunning }, "the recorded companion was stopped")
        #expect(stranger.isRunning, "a process that only shares a recorded pid was left alone")
        #expect(stack.logEvents("reclaimed").first?["companions"] == .array(["nginx"]))
        let record = try String(contentsOf: stack.runDirectory.appendingPathComponent("companions"), encoding: .utf8)
        #expect(record.hasPrefix("host \(stack.process.processIdentifier) "), "the new host recorded itself")
    }
}
