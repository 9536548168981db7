@testable import ReplicateStandIn

/// Starts a stand-in on an ephemeral port for one test and offers shortcuts for its API.
final class StandInHarness {
    let server: ReplicateStandInServer
    var port: Int { server.port }

    static let version = ReplicateStandInService.pinnedVersion
    static let auth = [("Authorization", "Bearer r8_test")]

    init(delayMs: Int = 0, filesDirectory: String? = nil) throws {
        server = try ReplicateStandInServer(configuration: .init(
            phaseDelayMilliseconds: delayMs, filesDirectory: filesDirectory, idleTimeoutSeconds: 10))
        try server.start()
    }

    deinit {
        server.stop()
    }

    /// A fresh connection.
    func connect() throws -> TestConnection {
        try TestConnection(port: port)
    }

    /// One request on its own connection.
    func request(_ method: String, _ path: String, headers: [(String, String)] = auth,
                 body: String? = nil) throws -> TestResponse {
        try connect().request(method, path, headers: headers, body: body)
    }

    /// A valid idm-vton input object as JSON text, with optional extra members (already JSON).
    static func input(human: String = "https://storage.example.com/t_01/person.jpg",
                      garment: String = "https://storage.example.com/t_01/garment-0.jpg",
                      category: String = "upper_body", extra: String = "") -> String {
        "{\"human_img\":\"\(human)\",\"garm_img\":\"\(garment)\",\"garment_des\":\"short sleeve t-shirt\","
            + "\"category\":\"\(category)\",\"crop\":false,\"steps\":30,\"seed\":42\(extra)}"
    }

    /// A create body for the version route.
    static func createBody(input: String = input()) -> String {
        "{\"version\":\"\(version)\",\"input\":\(input)}"
    }

    /// POST /v1/predictions with a valid body.
    func create(input: String = input(), headers: [(String, String)] = auth) throws -> TestResponse {
        try request("POST", "/v1/predictions", headers: headers, body: Self.createBody(input: input))
    }

    /// Creates and returns the new prediction's id (the create must answer 201).
    func createID(input: String = input()) throws -> String {
        let response = try create(input: input)
        guard response.status == 201, let id = try response.json()["id"]?.stringValue else {
            throw TestConnection.Failure(description: "create answered \(response.status): \(response.text)")
        }
        return id
    }

    /// GET /v1/predictions/{id} parsed as JSON (any status).
    func get(_ id: String) throws -> (status: Int, json: JSONValue) {
        let response = try request("GET", "/v1/predictions/\(id)")
        return (response.status, try response.json())
    }

    /// Polls every 20 ms until the status is terminal or `timeoutMs` passes.
    func waitTerminal(_ id: String, timeoutMs: Int = 5000) throws -> JSONValue {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        while true {
            let (_, json) = try get(id)
            let status = json["status"]?.stringValue ?? ""
            if ["succeeded", "failed", "canceled", "aborted"].contains(status) || ContinuousClock.now > deadline {
                return json
            }
            ThreadLauncher.sleep(milliseconds: 20) { false }
        }
    }

    /// POST /_standin/faults with a JSON object; expects 200.
    func setFaults(_ json: String) throws {
        let response = try request("POST", "/_standin/faults", headers: [], body: json)
        guard response.status == 200 else {
            throw TestConnection.Failure(description: "faults answered \(response.status): \(response.text)")
        }
    }

    /// The call log's entries.
    func calls() throws -> [JSONValue] {
        try request("GET", "/_standin/calls", headers: []).json()["calls"]?.arrayValue ?? []
    }

    /// GET /_standin/stats.
    func stats() throws -> JSONValue {
        try request("GET", "/_standin/stats", headers: []).json()
    }
}
