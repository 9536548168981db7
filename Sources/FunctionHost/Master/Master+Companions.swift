#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Companions: the processes the master starts next to the workers and stops last (nginx, the
/// Replicate stand-in), restarted when they die, and recorded so that a host killed outright does
/// not leave them holding their ports.
extension Master {
    func startCompanion(_ index: Int) {
        do {
            // Its own process group: when it dies, whatever it left behind can be cleared (see companionExited).
            companions[index].pid = try ProcessSpawner.spawn(
                Self.dyingWithMaster(companions[index].process), ownProcessGroup: true)
            companions[index].startedAt = Clock.monotonicNanoseconds()
            recordCompanions()
            log.event("companion_started", [
                "name": .string(companions[index].process.name), "pid": .number(Double(companions[index].pid)),
            ])
        } catch {
            log.event("companion_failed", level: "error", [
                "name": .string(companions[index].process.name), "error": .string(error.description),
            ])
            companions[index].pid = 0
            requestStop(signal: 0)
        }
    }

    /// A companion's command line, run through setpriv(1) so that the kernel sends it its stop
    /// signal when the master dies (PR_SET_PDEATHSIG survives exec): a SIGKILLed master's nginx
    /// stops gracefully and lets the port go. Unchanged where setpriv is missing.
    static func dyingWithMaster(_ companion: CompanionProcess) -> [String] {
        let names: [Int32: String] = [SIGQUIT: "QUIT", SIGTERM: "TERM", SIGINT: "INT", SIGKILL: "KILL"]
        guard let name = names[companion.stopSignal], access("/usr/bin/setpriv", X_OK) == 0 else { return companion.arguments }
        return ["/usr/bin/setpriv", "--pdeathsig", name, "--"] + companion.arguments
    }

    /// Writes which companions run now (see `CompanionRecord`).
    func recordCompanions() {
        guard let path = options.companionRecordPath, let host = ProcessIdentity.current(pid: getpid()) else { return }
        let entries = companions.compactMap { companion -> CompanionRecord.Entry? in
            guard companion.pid > 0, let identity = ProcessIdentity.current(pid: companion.pid) else { return nil }
            return CompanionRecord.Entry(name: companion.process.name, identity: identity)
        }
        CompanionRecordFile.write(CompanionRecord(host: host, companions: entries), path: path)
    }

    /// The companion at `index` exited with `status` at `now` (monotonic ns): what is left of it is
    /// cleared, then the policy decides whether it starts again or the host stops.
    func companionExited(_ index: Int, status: ExitStatus, now: UInt64) {
        let name = companions[index].process.name
        let verdict = options.policy.companionVerdict(
            startedAt: companions[index].startedAt, now: now, windingDown: lifecycle.isWindingDown)
        // A companion killed outright (nginx's master by SIGKILL) leaves its own children running:
        // nginx's workers keep the listening sockets, so a restarted nginx could not bind and the
        // orphans would serve on with no master. They share its process group: clear it.
        if companions[index].pid > 0 { kill(-companions[index].pid, SIGKILL) }
        companions[index].pid = 0
        if verdict == .stopped {
            log.event("companion_stopped", ["name": .string(name)])
            return
        }
        log.event("companion_died", level: "error", ["name": .string(name), "cause": .string(status.description)])
        if verdict == .stopHost {
            log.event("stopping", level: "error", ["reason": .string("\(name) exited right after starting; see its messages above")])
            requestStop(signal: 0)
            return
        }
        startCompanion(index)
    }
}
