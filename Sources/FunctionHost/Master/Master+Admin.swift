#if canImport(Glibc)
import Glibc
#endif
import FastCGI
import FunctionRuntime

/// The master's own endpoints, on the admin socket that nginx exposes on a loopback-only port:
/// `GET /status` (JSON; `?format=prometheus` or `GET /metrics` for Prometheus text) and
/// `POST /trigger/<function>[/<trigger>]` (fire a timer now); and `GET /_fnhost/health`, which
/// nginx also passes from the public port (200 while serving, 503 while starting or draining, or,
/// in a cluster, while the shared database cannot be reached). The requests are tiny; the master
/// reads them without blocking and answers through the outbox, like every answer it writes itself.
extension Master {
    func acceptAdmin() {
        guard let listener = adminListener else { return }
        while true {
            do {
                guard let descriptor = try listener.accept() else {
                    adminAcceptGate.succeeded()
                    return
                }
                adminAcceptGate.succeeded()
                adminConnections[descriptor] = []
            } catch {
                adminAcceptGate.failed(now: Clock.monotonicNanoseconds(), policy: options.policy)
                adminAcceptPauses += 1
                log.event("accept_paused", level: "error", ["listener": "admin", "error": .string(error.description)])
                return
            }
        }
    }

    func adminReadable(_ descriptor: Int32) {
        guard var received = adminConnections[descriptor] else { return }
        let ended = connections.receiveAvailable(descriptor, into: &received, limit: 65_536)
        guard Self.requestComplete(received) || ended || received.count >= 65_536 else {
            adminConnections[descriptor] = received
            return
        }
        adminConnections[descriptor] = nil
        let preview = FastCGIRequestPreview.scan(received, parameters: ["REQUEST_METHOD", "DOCUMENT_URI", "QUERY_STRING"])
        let (status, contentType, body) = adminAnswer(
            method: preview?.parameters["REQUEST_METHOD"] ?? "", path: preview?.parameters["DOCUMENT_URI"] ?? "",
            query: preview?.parameters["QUERY_STRING"] ?? "")
        connections.outbox.answer(
            on: descriptor, fastCGIRequestId: preview?.requestId ?? 1,
            response: HTTPResponseParts(
                status: status, headers: [("Content-Type", contentType), ("Cache-Control", "no-store")], body: Array(body.utf8)),
            now: Clock.monotonicNanoseconds())
    }

    /// Routes one admin request: (status, content type, body).
    func adminAnswer(method: String, path: String, query: String) -> (Int, String, String) {
        let json = "application/json"
        let parameters = Dictionary(QueryString.parse(query).map { ($0.name, $0.value) }) { _, last in last }
        switch (method, path) {
        case ("GET", "/_fnhost/health"), ("HEAD", "/_fnhost/health"):
            // A cluster host that cannot reach the shared database is out too: it could answer
            // nothing that needs the cluster's state.
            let database = election.map { $0.reachesDatabase(now: Clock.monotonicNanoseconds()) }
            var body = JSONText()
            body.add("status", lifecycle.name)
            body.add("host", options.hostName)
            if let database { body.add("database", database ? "reachable" : "unreachable") }
            return (lifecycle.isServing && database != false ? 200 : 503, json, body.finish())
        case ("GET", "/status"), ("GET", "/status/"):
            if parameters["format"] == "prometheus" {
                return (200, "text/plain; version=0.0.4", statusReport().prometheus())
            }
            return (200, json, statusReport().json().encoded())
        case ("GET", "/metrics"):
            return (200, "text/plain; version=0.0.4", statusReport().prometheus())
        case ("POST", _) where path.hasPrefix("/trigger/"):
            let parts = path.dropFirst("/trigger/".count).split(separator: "/").map(String.init)
            guard let function = parts.first, parts.count <= 2 else {
                return (400, json, #"{"error":"Use POST /trigger/<function>[/<trigger>]"}"#)
            }
            switch fireByHand(function: function, name: parts.count == 2 ? parts[1] : nil) {
            case .success(let requestId):
                var body = JSONText()
                body.add("fired", true)
                body.add("function", function)
                body.add("requestId", requestId)
                return (202, json, body.finish())
            case .failure(let error):
                var body = JSONText()
                body.add("error", error.message)
                return (error.status, json, body.finish())
            }
        default:
            return (404, json, #"{"error":"Not found: GET /status, GET /metrics, POST /trigger/<function>[/<trigger>]"}"#)
        }
    }

    /// The numbers of every pool now.
    func statusReport() -> StatusReport {
        let reports = pools.places.filter { !pools[$0].removed }.map { index -> StatusReport.Pool in
            let pool = pools[index]
            let live = pool.unreapedScoreboards
            let completed = pool.statistics.completedByGoneWorkers + live.reduce(0) { $0 + Int($1.served) }
            let timers = scheduler.entries.filter { $0.pool == index }.map { entry in
                StatusReport.Timer(
                    name: entry.trigger.name, cron: entry.trigger.schedule.text, nextFire: entry.nextFire,
                    fired: entry.fired, skipped: entry.skipped, running: entry.running, lastStatus: entry.lastStatus)
            }
            return StatusReport.Pool(
                function: pool.spec.name, poolSize: pool.spec.configuration.concurrency, busy: pool.busyCount,
                idle: pool.availableCount, accepted: completed + pool.busyCount, completed: completed,
                errors: pool.statistics.failedByGoneWorkers + live.reduce(0) { $0 + Int($1.failed) },
                throttled: pool.statistics.throttled, timeouts: pool.statistics.timeouts, crashes: pool.statistics.crashes,
                respawns: pool.statistics.respawns, recycled: pool.statistics.recycled, queueLength: pool.queue.count,
                maxQueueLength: pool.statistics.maxQueued, maxActive: pool.statistics.maxActive,
                slow: pool.statistics.slowByGoneWorkers + live.reduce(0) { $0 + Int($1.slow) }, timers: timers,
                language: pool.spec.language.rawValue, reloads: pool.statistics.reloads,
                reloadedWorkers: pool.statistics.reloaded, acceptPauses: pool.statistics.acceptPauses)
        }
        var report = StatusReport(
            uptimeSeconds: Double(Clock.monotonicNanoseconds() - startedAt) / 1e9, pools: reports,
            extras: statusCollector.snapshot)
        report.adminAcceptPauses = adminAcceptPauses
        report.host = options.hostName
        if let election {
            report.cluster = StatusReport.Cluster(
                leadsTimers: election.leads(now: Clock.monotonicNanoseconds()), timerLeader: election.leader,
                state: lifecycle.name)
        }
        return report
    }

    /// Whether a FastCGI request's STDIN stream has ended (its empty STDIN record arrived).
    static func requestComplete(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while let header = FastCGIRecord.Header.parse(bytes, at: offset) {
            guard bytes.count >= offset + 8 + header.contentLength else { return false }
            if header.kind == FastCGIRecord.Kind.stdin.rawValue, header.contentLength == 0 { return true }
            offset += 8 + header.contentLength + header.paddingLength
        }
        return false
    }
}
