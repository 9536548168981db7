import Synchronization

/// A stand-in for one `fnhost serve` host behind the front, on 127.0.0.1: it answers
/// `GET /_fnhost/health` as a host does (200 `serving`, or 503 `draining` after ``setHealth(_:)``),
/// and every other request as its ``Behaviour`` says, recording each one (health probes apart), so a
/// test can prove which host got a request, and how many times.
public final class StubClusterHost: Sendable {
    /// What the host does with a request that is not a health probe.
    public enum Behaviour: Sendable, Equatable {
        /// 200 `{"host":NAME,"method":...,"target":...,"body":...}`.
        case answer
        /// This status, with a JSON body naming the host.
        case status(Int)
        /// Reads the whole request, then closes the connection without a byte of answer.
        case drop
        /// Reads the whole request and never answers (the connection stays open).
        case hang
    }

    public let name: String
    private let server: TestHTTPServer
    private let box: Box

    private final class Box: Sendable {
        let state: Mutex<State>
        init(_ state: State) { self.state = Mutex(state) }
    }

    private struct State {
        var behaviour: Behaviour = .answer
        var healthStatus = 200
        var requests: [TestHTTPRequest] = []
        var healthProbes = 0
    }

    public init(name: String, behaviour: Behaviour = .answer) throws {
        let box = Box(State(behaviour: behaviour))
        self.name = name
        self.box = box
        server = try TestHTTPServer { request in
            if request.path == "/_fnhost/health" {
                let status = box.state.withLock { state in
                    state.healthProbes += 1
                    return state.healthStatus
                }
                let body = #"{"status":"\#(status == 200 ? "serving" : "draining")","host":"\#(name)"}"#
                return .response(
                    status: status, reason: status == 200 ? "OK" : "Service Unavailable", headers: [("Content-Type", "application/json")],
                    body: Array(body.utf8), head: request.method == "HEAD")
            }
            let behaviour = box.state.withLock { state in
                state.requests.append(request)
                return state.behaviour
            }
            switch behaviour {
            case .answer:
                let body =
                    #"{"host":"\#(name)","method":"\#(request.method)","target":"\#(request.target)","body":"\#(String(decoding: request.body, as: UTF8.self))"}"#
                return .response(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8), head: request.method == "HEAD")
            case .status(let status):
                let body = #"{"host":"\#(name)","status":\#(status)}"#
                return .response(
                    status: status, reason: "Scripted", headers: [("Content-Type", "application/json")], body: Array(body.utf8),
                    head: request.method == "HEAD")
            case .drop:
                return TestHTTPReply(bytes: [], closeAfter: true)
            case .hang:
                return .silence
            }
        }
    }

    public var port: Int { server.port }
    /// `127.0.0.1:PORT`, as `--upstream` takes it.
    public var address: String { "127.0.0.1:\(port)" }

    /// The health path answers `status` from now on (200 serving, 503 draining).
    public func setHealth(_ status: Int) { box.state.withLock { $0.healthStatus = status } }

    public func setBehaviour(_ behaviour: Behaviour) { box.state.withLock { $0.behaviour = behaviour } }

    /// Every request but the health probes, in arrival order.
    public var received: [TestHTTPRequest] { box.state.withLock { $0.requests } }

    /// How many received requests' target contains `marker` (a test's unique query value).
    public func count(_ marker: String) -> Int { received.filter { $0.target.contains(marker) }.count }

    /// Health probes answered so far.
    public var healthProbes: Int { box.state.withLock { $0.healthProbes } }

    /// TCP connections accepted so far (health probes' included).
    public var acceptedConnections: Int { server.acceptedConnections }

    /// Stops accepting and cuts open connections: from now on the port refuses connections. Idempotent.
    public func stop() { server.stop() }
}
