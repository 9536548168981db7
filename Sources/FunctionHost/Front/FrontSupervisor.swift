#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FunctionRuntime

/// `fnhost front`'s process: runs the front's nginx in the foreground and probes every host's
/// `GET /_fnhost/health` each interval. `FrontMembership` decides which hosts are down; when that
/// changes, the configuration is written again with `down` on them and nginx reloads (SIGHUP:
/// new workers take the new list, old ones finish their requests). Each change is one JSON line
/// on stderr (`host_down`, `host_up`, `all_hosts_down`).
///
/// SIGTERM, SIGINT and SIGQUIT stop nginx gracefully (SIGQUIT: it finishes the requests it has);
/// a second one stops it at once (SIGTERM). `run` returns 0 once nginx has exited after a stop,
/// 1 when nginx exited on its own. SIGHUP writes the configuration again and reloads nginx.
public final class FrontSupervisor {
    /// Probes each host once, all of them in parallel, and returns within about the probe timeout.
    public typealias ProbeRound = @Sendable ([UpstreamAddress]) -> [UpstreamAddress: FrontMembership.Probe]

    let nginx: NginxSetup
    let template: String
    /// The configuration with no host marked down; each write marks `membership.markedDown`.
    let configuration: FrontConfiguration
    var membership: FrontMembership
    /// Nil: no active probes (nginx's passive checks only).
    let probeRound: ProbeRound?
    /// Milliseconds between the starts of two probe rounds.
    let probeIntervalMilliseconds: Int
    let log: InvocationLog

    var signals: Int32 = -1
    var nginxPID: pid_t = 0
    var stopRequests = 0
    /// A reload waiting for nginx to be ready for SIGHUP (its pid file written: its handlers are set).
    var reloadPending = false

    public init(
        nginx: NginxSetup, template: String, configuration: FrontConfiguration, membership: FrontMembership,
        probeRound: ProbeRound?, probeIntervalMilliseconds: Int, log: InvocationLog = InvocationLog()
    ) {
        self.nginx = nginx
        self.template = template
        self.configuration = configuration
        self.membership = membership
        self.probeRound = probeRound
        self.probeIntervalMilliseconds = max(1, probeIntervalMilliseconds)
        self.log = log
    }

    /// The configuration text for the hosts marked down now.
    var currentConfiguration: String {
        var current = configuration
        current.down = membership.markedDown
        return current.render(template: template)
    }

    /// Runs until nginx has stopped; returns the exit status for the process (0 after a stop signal).
    public func run() throws(SystemCallError) -> Int32 {
        signals = try SignalFeed.open()
        defer { close(signals) }

        try nginx.prepare(configuration: currentConfiguration)
        unlink(pidFilePath)
        let companion = nginx.companion
        nginxPID = try ProcessSpawner.spawn(Master.dyingWithMaster(companion), ownProcessGroup: true)
        log.event("front_started", [
            "listen": .string(configuration.listen), "hosts": .array(configuration.hosts.map { .string($0.description) }),
            "probeIntervalMs": probeRound == nil ? .null : .number(Double(probeIntervalMilliseconds)),
            "functions": .array(configuration.functions.map { .string($0.name) }),
            "nginxPid": .number(Double(nginxPID)),
        ])

        var nextProbe = Clock.monotonicNanoseconds() + UInt64(probeIntervalMilliseconds) * 1_000_000
        while true {
            if let probeRound, stopRequests == 0, Clock.monotonicNanoseconds() >= nextProbe {
                probe(probeRound)
                // A round that overran the interval is followed by the next at once, after the
                // signals that came meanwhile (the poll below then does not wait).
                nextProbe = max(nextProbe + UInt64(probeIntervalMilliseconds) * 1_000_000, Clock.monotonicNanoseconds())
            }
            if reloadPending, stopRequests == 0 { reloadIfReady() }
            let now = Clock.monotonicNanoseconds()
            var timeout: Int32 = -1
            if probeRound != nil, stopRequests == 0 { timeout = Int32(min(60_000, (nextProbe - min(now, nextProbe)) / 1_000_000)) }
            if reloadPending, stopRequests == 0 { timeout = timeout < 0 ? 20 : min(timeout, 20) }
            var descriptor = pollfd(fd: signals, events: Int16(POLLIN), revents: 0)
            _ = try systemCall("poll") { poll(&descriptor, 1, timeout) }
            if let status = handleSignals() { return status }
        }
    }

    /// `<prefix>/nginx.pid`, which nginx writes once its signal handlers are in place.
    var pidFilePath: String { nginx.prefix + "/nginx.pid" }

    /// Reads the pending signals; an exit status once nginx has exited.
    func handleSignals() -> Int32? {
        while true {
            let signal = fh_signalfd_read(signals)
            guard signal > 0 else { return nil }
            switch signal {
            case SIGCHLD:
                var status: Int32 = 0
                let reaped = waitpid(nginxPID, &status, WNOHANG)
                guard reaped == nginxPID else { continue }
                // Whatever nginx left in its process group (workers of a killed master) goes too.
                kill(-nginxPID, SIGKILL)
                if stopRequests > 0 {
                    log.event("front_stopped")
                    return 0
                }
                log.event("nginx_exited", level: "error", ["cause": .string(ExitStatus(status).description)])
                return 1
            case SIGHUP:
                do {
                    try writeConfiguration()
                    reloadPending = true
                    log.event("front_reload_requested")
                } catch {
                    log.event("front_reconfigure_failed", level: "error", ["error": .string(error.description)])
                }
            default:
                stopRequests += 1
                // The first stop lets nginx finish its requests; another one stops it now.
                kill(nginxPID, stopRequests == 1 ? SIGQUIT : SIGTERM)
                log.event("front_stopping", ["signal": .number(Double(signal))])
            }
        }
    }

    /// One round of probes, and what the membership makes of it. The configuration is written
    /// before the changes are logged, so a `host_down` line means the file already marks it down.
    func probe(_ probeRound: ProbeRound) {
        let update = membership.record(probeRound(membership.hosts))
        var written = false
        if update.reconfigure {
            do {
                try writeConfiguration()
                written = true
            } catch {
                log.event("front_reconfigure_failed", level: "error", ["error": .string(error.description)])
            }
        }
        for event in update.events {
            switch event {
            case .hostDown(let host, let reason):
                log.event("host_down", level: "warning", ["host": .string(host.description), "reason": .string(reason)])
            case .hostUp(let host):
                log.event("host_up", ["host": .string(host.description)])
            case .allHostsDown:
                log.event("all_hosts_down", level: "error", [
                    "note": .string("no host passes its probes: none is marked down, nginx's passive checks decide")
                ])
            }
        }
        if written {
            reloadPending = true
            reloadIfReady()
        }
    }

    func writeConfiguration() throws(SystemCallError) {
        try nginx.prepare(configuration: currentConfiguration)
    }

    /// Sends nginx SIGHUP once it can take it: before its handlers are set, SIGHUP would end it.
    func reloadIfReady() {
        guard let text = FileBytes.read(pidFilePath).map({ String(decoding: $0, as: UTF8.self) }),
            Int32(text.split(separator: "\n").first ?? "") == nginxPID
        else { return }
        reloadPending = false
        kill(nginxPID, SIGHUP)
        log.event("nginx_reloaded", ["markedDown": .array(membership.markedDown.sorted().map { .string($0.description) })])
    }
}
