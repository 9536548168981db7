/// Which hosts the front takes out, from the active health probes (`GET /_fnhost/health` on each
/// host): open-source nginx has only passive checks, which notice a host when requests fail, too
/// late for a draining host (it answers 503 on its health path from the first moment of its drain,
/// keeps serving a few seconds, then closes its listener). Pure: the front feeds it each round of
/// probes and does what it says (`FrontSupervisor`).
///
/// A host goes down after `downAfter` probes in a row that were not a 200 (a 503 while draining, an
/// error, another status), and comes back after `upAfter` 200s in a row. Every host starts up, so
/// nginx starts with all of them. The hosts marked `down` in nginx's configuration are the ones
/// down, except when every host is: then none is marked down, and nginx's passive checks decide
/// (better some host that may answer than a front that answers nothing).
public struct FrontMembership: Sendable {
    /// What one probe of a host found.
    public enum Probe: Sendable, Equatable {
        /// 200: the host serves.
        case serving
        /// 503: the host is draining (it still serves for a few seconds, then stops).
        case draining
        /// No answer within the probe's time, or another status: the reason, for the log.
        case failed(String)
    }

    /// A change to report (one JSON line each).
    public enum Event: Sendable, Equatable {
        /// `host_down`: `host` stopped passing its probes; `reason`: `draining` or the failure.
        case hostDown(UpstreamAddress, reason: String)
        /// `host_up`: `host` passed `upAfter` probes in a row again.
        case hostUp(UpstreamAddress)
        /// `all_hosts_down`: every host is down, so none is marked down (passive checks decide).
        case allHostsDown
    }

    /// What a round of probes changed.
    public struct Update: Sendable, Equatable {
        public var events: [Event]
        /// Whether the hosts marked down changed: the configuration must be written and nginx reloaded.
        public var reconfigure: Bool
    }

    /// Probes not a 200 in a row before a host is taken out. Default 1: a draining host goes at
    /// its first 503. At least 1.
    public let downAfter: Int
    /// 200s in a row before a host that was taken out comes back. Default 2. At least 1.
    public let upAfter: Int
    /// The hosts, in the configuration's order.
    public let hosts: [UpstreamAddress]
    private var states: [UpstreamAddress: HostState]

    private struct HostState {
        var up = true
        /// Probes in a row that disagree with `up` (failures while up, 200s while down).
        var streak = 0
    }

    public init(hosts: [UpstreamAddress], downAfter: Int = 1, upAfter: Int = 2) {
        self.hosts = hosts
        self.downAfter = max(1, downAfter)
        self.upAfter = max(1, upAfter)
        states = Dictionary(hosts.map { ($0, HostState()) }, uniquingKeysWith: { first, _ in first })
    }

    /// The hosts whose probes say they are down.
    public var down: Set<UpstreamAddress> {
        Set(hosts.filter { states[$0]?.up == false })
    }

    /// The hosts to mark `down` in nginx's configuration: the down ones, unless that is every host.
    public var markedDown: Set<UpstreamAddress> {
        let down = down
        return down.count == hosts.count ? [] : down
    }

    /// Takes one round of probes (hosts not in `probes` keep their state) and says what changed.
    public mutating func record(_ probes: [UpstreamAddress: Probe]) -> Update {
        let markedBefore = markedDown
        let allDownBefore = !hosts.isEmpty && down.count == hosts.count
        var events: [Event] = []
        for host in hosts {
            guard let probe = probes[host], var state = states[host] else { continue }
            let passed = probe == .serving
            if passed == state.up {
                state.streak = 0
            } else {
                state.streak += 1
                if state.up, state.streak >= downAfter {
                    state.up = false
                    state.streak = 0
                    events.append(.hostDown(host, reason: Self.reason(probe)))
                } else if !state.up, state.streak >= upAfter {
                    state.up = true
                    state.streak = 0
                    events.append(.hostUp(host))
                }
            }
            states[host] = state
        }
        let allDown = !hosts.isEmpty && down.count == hosts.count
        if allDown, !allDownBefore { events.append(.allHostsDown) }
        return Update(events: events, reconfigure: markedDown != markedBefore)
    }

    static func reason(_ probe: Probe) -> String {
        switch probe {
        case .serving: "serving"
        case .draining: "draining"
        case .failed(let why): why
        }
    }
}
