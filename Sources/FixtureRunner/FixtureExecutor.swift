import FunctionRuntime
import HTTPClient

/// Sends a fixture case to a function and returns what came back: in this process through the same
/// event builder and response mapper the host uses, or over HTTP (through nginx) with libcurl,
/// never following redirects.
public enum FixtureTransport {
    /// In-process: the function's invoker (warm across cases, like a worker process).
    case inProcess
    /// Over HTTP: `base` is the host's root URL (`http://127.0.0.1:8080`); the case's path is
    /// appended to `<base>/<function name>`.
    case http(base: String)
}

public struct FixtureExecutor {
    private var invoker: FunctionInvoker?
    private let client: HTTPClient?
    private let transport: FixtureTransport
    private let functionName: String
    private let timeoutSeconds: Double

    public init(
        transport: FixtureTransport, spec: FunctionSpec, factory: FunctionRegistry.Factory?, edge: EdgeOptions = .platform
    ) throws(HTTPClientError) {
        self.transport = transport
        self.functionName = spec.name
        self.timeoutSeconds = spec.configuration.timeoutSeconds
        switch transport {
        case .inProcess:
            invoker = factory.map { FunctionInvoker(spec: spec, factory: $0, edge: edge) }
            client = nil
        case .http:
            invoker = nil
            client = try HTTPClient()
        }
    }

    /// Runs one case; a transport failure (connection refused, ...) comes back as a thrown error.
    public mutating func run(_ fixture: FixtureCase) throws -> FixtureResponse {
        switch transport {
        case .inProcess:
            guard var current = invoker else {
                throw FixtureRunError(message: "no handler is compiled for function \(functionName)")
            }
            let (query, _) = Self.split(fixture.path)
            let request = IncomingRequest(
                method: fixture.method, query: query, headers: fixture.headers.map { ($0.name, $0.value) },
                body: fixture.body, remoteAddress: "127.0.0.1", remotePort: 50_000,
                receivedAtMilliseconds: Clock.epochMilliseconds())
            let deadline = Clock.epochMilliseconds() + Int64(timeoutSeconds * 1000)
            let result = current.invoke(request, deadlineMilliseconds: deadline)
            invoker = current
            return FixtureResponse(
                status: result.response.status,
                headers: result.response.headers.map { FixtureHeader(name: $0.0, value: $0.1) },
                body: result.response.body)
        case .http(let base):
            guard let client else { throw FixtureRunError(message: "no HTTP client") }
            var root = base
            while root.hasSuffix("/") { root.removeLast() }
            let path = fixture.path.hasPrefix("/") ? fixture.path : "/" + fixture.path
            let request = HTTPClientRequest(
                method: fixture.method, url: "\(root)/\(functionName)\(path)",
                headers: fixture.headers.map { HTTPHeader(name: $0.name, value: $0.value) }, body: fixture.body,
                timeoutMilliseconds: Int(timeoutSeconds * 1000) + 10_000)
            let response = try client.send(request)
            return FixtureResponse(
                status: response.status, headers: response.headers.map { FixtureHeader(name: $0.name, value: $0.value) },
                body: response.body)
        }
    }

    /// `/?a=1` -> ("a=1", "/").
    static func split(_ path: String) -> (query: String, path: String) {
        guard let mark = path.firstIndex(of: "?") else { return ("", path) }
        return (String(path[path.index(after: mark)...]), String(path[..<mark]))
    }
}

/// A case that could not be run at all.
public struct FixtureRunError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
