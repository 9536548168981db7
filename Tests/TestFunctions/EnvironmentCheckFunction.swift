#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Tells whether a variable reached the worker without ever answering with its value:
/// `?name=X&equals=V` answers `{"name": X, "set": Bool, "matches": Bool}` (project mode's tests
/// check that `.env` values arrive and that the shell's win).
public struct EnvironmentCheckFunction: CloudFunction {
    public init() {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        let name = event.queryStringParameters["name"] ?? ""
        let value = name.isEmpty ? nil : getenv(name).map { String(cString: $0) }
        let matches = value != nil && value == event.queryStringParameters["equals"]
        return .json(200, ["name": .string(name), "set": .bool(value != nil), "matches": .bool(matches)])
    }
}
