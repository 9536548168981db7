#if canImport(Glibc)
import Glibc
#endif
import FunctionHost
import HTTPClient
import Synchronization

/// `fnhost front`'s active health check: `GET http://ADDR:PORT/_fnhost/health` on every host at
/// once (one thread and one libcurl handle per host and round), each given `timeoutMilliseconds`
/// for connecting and answering together, so a round takes about that long at most.
struct FrontHealthProbe: Sendable {
    /// The path every `fnhost serve` host answers on its main port.
    static let path = "/_fnhost/health"

    /// Milliseconds a probe may take, connecting included. At least 1.
    var timeoutMilliseconds: Int

    /// What a host's answer means: 200 serving, 503 draining, anything else a failure.
    static func classify(status: Int) -> FrontMembership.Probe {
        switch status {
        case 200: .serving
        case 503: .draining
        default: .failed("health answered \(status)")
        }
    }

    static func url(for host: UpstreamAddress) -> String { "http://\(host)\(path)" }

    /// Probes every host in parallel and waits for all of them (each bounded by the timeout).
    func round(_ hosts: [UpstreamAddress]) -> [UpstreamAddress: FrontMembership.Probe] {
        let jobs = hosts.map { ProbeJob(host: $0, timeoutMilliseconds: timeoutMilliseconds) }
        var threads: [pthread_t?] = []
        for job in jobs {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job).toOpaque()
            let started = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                Unmanaged<ProbeJob>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
            if started == 0 {
                threads.append(thread)
            } else {
                Unmanaged<ProbeJob>.fromOpaque(context).release()
                job.run()  // no thread to spare: probe this one here
                threads.append(nil)
            }
        }
        for thread in threads {
            if let thread { pthread_join(thread, nil) }
        }
        return Dictionary(jobs.map { ($0.host, $0.result.withLock { $0 }) }, uniquingKeysWith: { first, _ in first })
    }
}

/// One host's probe in one round: its result written by its thread, read after the join.
private final class ProbeJob: Sendable {
    let host: UpstreamAddress
    let timeoutMilliseconds: Int
    let result = Mutex<FrontMembership.Probe>(.failed("not probed"))

    init(host: UpstreamAddress, timeoutMilliseconds: Int) {
        self.host = host
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    func run() {
        let timeout = max(1, timeoutMilliseconds)
        let request = HTTPClientRequest(
            method: "GET", url: FrontHealthProbe.url(for: host), connectTimeoutMilliseconds: timeout, timeoutMilliseconds: timeout,
            maxResponseBytes: 4096)
        let probe: FrontMembership.Probe
        do {
            probe = FrontHealthProbe.classify(status: try HTTPClient().send(request).status)
        } catch {
            probe = .failed(error.description)
        }
        result.withLock { $0 = probe }
    }
}
