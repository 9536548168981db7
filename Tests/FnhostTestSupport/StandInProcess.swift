import Foundation
import FunctionRuntime
import HTTPClient

/// The project's Replicate stand-in as a real process on a free port.
public final class StandInProcess {
    public let process = Process()
    public let port: Int

    public init(delayMilliseconds: Int) throws {
        port = try LoopbackSocket.freePort()
        process.executableURL = HostStack.binaryDirectory.appendingPathComponent("replicate-standin")
        process.arguments = ["--port", String(port), "--delay-ms", String(delayMilliseconds), "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let client = try HTTPClient()
        let health = HTTPClientRequest(url: baseURL + "/_standin/health", timeoutMilliseconds: 500)
        if poll(within: 10, every: 0.05, until: { (try? client.send(health))?.status == 200 }) { return }
        process.terminate()
        throw StackError("the Replicate stand-in did not start")
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func setFaults(_ json: String) throws {
        let response = try sendRequest(baseURL, "POST", "/_standin/faults", headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: Array(json.utf8))
        guard response.status == 200 else { throw StackError("setting faults answered \(response.status)") }
    }

    /// The recorded calls (`GET /_standin/calls`).
    public func calls() throws -> [JSONValue] {
        try sendRequest(baseURL, "/_standin/calls").json?["calls"]?.arrayValue ?? []
    }

    /// The signing secret, as Replicate's clients read it.
    public func webhookSecret() throws -> String {
        let response = try sendRequest(
            baseURL, "GET", "/v1/webhooks/default/secret", headers: [HTTPHeader(name: "Authorization", value: "Bearer r8_standin_test")])
        guard let key = response.json?["key"]?.stringValue else { throw StackError("no webhook secret: \(response.status)") }
        return key
    }

    /// The prediction object as a GET answers it now; nil when the stand-in does not know it.
    public func predictionJSON(_ id: String) throws -> [UInt8]? {
        let response = try sendRequest(
            baseURL, "GET", "/v1/predictions/\(id)", headers: [HTTPHeader(name: "Authorization", value: "Bearer r8_standin_test")])
        return response.status == 200 ? response.body : nil
    }

    public func creates() throws -> [JSONValue] {
        try calls().filter { $0["kind"] == "create" && $0["prediction_id"]?.stringValue != nil }
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
