import FnhostTestSupport
import Foundation
import FunctionRuntime

/// Sends one function's share of the hostile corpus through the real stack and records, per
/// request, whether the answer kept the rules: a 4xx (or, for `.notServerError`, anything below
/// 500), `Content-Type: application/json`, and a body that is a JSON object with a non-empty error
/// message (`error` from the functions, `errorMessage` from nginx and the host). Also records the
/// counts the `HOSTILE_SUMMARY` report needs.
struct HostileCorpusRun {
    var function: String
    var tried = 0
    var byStatus: [Int: Int] = [:]
    var byCategory: [String: Int] = [:]
    var serverErrors = 0
    /// One line per request that broke a rule.
    var violations: [String] = []
    /// Every response body, for the secret checks.
    var bodies: [String] = []

    init(function: String) {
        self.function = function
    }

    mutating func send(_ request: HostileRequest, port: Int) {
        tried += 1
        byCategory[request.category, default: 0] += 1
        let response: RawHTTPResponse
        do {
            response = try RawHTTPClient.exchange(port: port, request: request.bytes, isHead: request.isHead)
        } catch {
            byStatus[0, default: 0] += 1
            violations.append("\(request.name): no response (\(error))")
            return
        }
        byStatus[response.status, default: 0] += 1
        bodies.append(response.text)
        if response.status >= 500 { serverErrors += 1 }
        if let problem = Self.problem(with: response, for: request) {
            violations.append("\(request.name): \(problem)")
        }
    }

    /// What is wrong with `response` as the answer to `request`, or nil.
    static func problem(with response: RawHTTPResponse, for request: HostileRequest) -> String? {
        let status = response.status
        switch request.expectation {
        case .refused where !(400...499).contains(status):
            return "answered \(status), not a 4xx: \(response.text.prefix(300))"
        case .notServerError where !(100...499).contains(status):
            return "answered \(status): \(response.text.prefix(300))"
        default: break
        }
        let contentType = response.header("Content-Type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            return "answered \(status) with Content-Type '\(contentType)': \(response.text.prefix(200))"
        }
        if request.isHead { return nil }
        guard let json = try? JSONValue.parse(response.body), case .object = json else {
            return "answered \(status) with a body that is not a JSON object: \(response.text.prefix(200))"
        }
        guard status >= 400 else { return nil }
        let message = json["error"]?.stringValue ?? json["errorMessage"]?.stringValue ?? ""
        guard !message.trimmingCharacters(in: .whitespaces).isEmpty else {
            return "answered \(status) without an error message: \(response.text.prefix(200))"
        }
        return nil
    }

    /// This function's entry in the `HOSTILE_SUMMARY` JSON.
    func summary(crashes: Int, databaseChanged: Bool) -> JSONValue {
        .object([
            "inputs": .number(Double(tried)),
            "by_status": .object(JSONObject(byStatus.map { (String($0.key), JSONValue.number(Double($0.value))) })),
            "by_category": .object(JSONObject(byCategory.map { ($0.key, JSONValue.number(Double($0.value))) })),
            "server_errors": .number(Double(serverErrors)),
            "rule_violations": .number(Double(violations.count)),
            "crashes": .number(Double(crashes)),
            "database_changed": .bool(databaseChanged),
        ])
    }
}
