#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import FastCGI
import FunctionRuntime

/// The loop of one worker process (`fnhost worker`, started by the master with its control socket
/// at descriptor 3): wait for a connection, read the FastCGI request, invoke the function, write
/// the response, report. Exits when the master closes the control socket, and after `maxRequests`
/// invocations or when over its memory limit (the master starts a replacement).
public struct WorkerMain {
    /// The control socket's descriptor in a worker.
    public static let controlDescriptor: Int32 = 3

    var invoker: FunctionInvoker
    let responder: FastCGIResponder
    let control: Int32

    public init(spec: FunctionSpec, factory: @escaping FunctionRegistry.Factory, edge: EdgeOptions) throws(FastCGIError) {
        _ = fh_die_with_parent()
        for (name, value) in spec.configuration.environment { setenv(name, value, 1) }
        invoker = FunctionInvoker(spec: spec, factory: factory, edge: edge)
        responder = try FastCGIResponder()
        // FCGX_Init installs a SIGTERM handler that only sets a flag: restore the default so that a
        // worker can always be stopped.
        signal(SIGTERM, SIG_DFL)
        control = Self.controlDescriptor
    }

    /// Serves until the master goes away. Returns the process exit status.
    public mutating func run() -> Int32 {
        if let failure = invoker.warmUp() {
            InvocationLog().event("init_failed", level: "error", [
                "function": .string(invoker.spec.name), "error": .string(failure.message),
            ])
        }
        var buffer = [UInt8](repeating: 0, count: ControlMessage.capacity)
        var served = 0
        let configuration = invoker.spec.configuration
        while true {
            var connection: Int32 = -1
            let got = buffer.withUnsafeMutableBytes { fh_receive_with_fd(control, $0.baseAddress, $0.count, &connection) }
            guard got > 0 else { return 0 }  // the master closed the socket: stop
            guard connection >= 0, case .dispatch(let deadline)? = ControlMessage.decode(buffer[0..<got]) else {
                if connection >= 0 { close(connection) }
                continue
            }
            let (status, outcome, failure) = serve(connection, deadlineMilliseconds: deadline)
            let kept = responder.finish()
            if status > 0 { served += 1 }
            // Reading /proc costs three system calls: check every 32 invocations, and after the first.
            let overMemory =
                served % 32 == 1 && fh_resident_bytes() > Int64(configuration.memoryMB) * 1_048_576
            let retiring = (configuration.maxRequests > 0 && served >= configuration.maxRequests) || overMemory
            send(.ended(status: status, outcome: outcome.rawValue, kept: kept, retiring: retiring, failure: failure ?? ""))
            if retiring { return 0 }
        }
    }

    /// One request on `connection`: (status, outcome, failure); status 0 when no request came.
    private mutating func serve(_ connection: Int32, deadlineMilliseconds: Int64) -> (Int, InvocationOutcome, String?) {
        let maxEvent = invoker.builder.options.maxEventBytes
        let request: FastCGIRequest
        do {
            request = try responder.read(from: connection, maxBodyBytes: maxEvent)
        } catch {
            return (0, .error, error.description)
        }
        let incoming = Self.incomingRequest(from: request)
        let result: InvocationResult
        if request.announcedBodyLength > maxEvent {
            result = InvocationResult(
                error: RuntimeError(
                    .payloadTooLarge,
                    "The request body is \(request.announcedBodyLength) bytes; the limit for the whole event is \(maxEvent) bytes (3.5 MB)"))
        } else {
            result = invoker.invoke(incoming, deadlineMilliseconds: deadlineMilliseconds)
        }
        let parts = result.response
        responder.write(status: parts.status, reason: HTTPStatus.reason(parts.status), headers: parts.headers, body: parts.body)
        return (parts.status, result.outcome, result.failure)
    }

    private func send(_ message: ControlMessage) {
        let bytes = message.encoded()
        _ = bytes.withUnsafeBytes { fh_send_with_fd(control, $0.baseAddress, $0.count, -1) }
    }

    /// FastCGI parameters -> the transport-neutral request (nginx's `fastcgi_params` names plus ours:
    /// `FNHOST_REQUEST_ID`, the request's UUID).
    static func incomingRequest(from request: FastCGIRequest) -> IncomingRequest {
        var method = "GET"
        var query = ""
        var remoteAddress = "127.0.0.1"
        var remotePort = 0
        var requestId: String?
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.parameters.count / 2)
        for (name, value) in request.parameters {
            switch name {
            case "REQUEST_METHOD": method = value
            case "QUERY_STRING": query = value
            case "REMOTE_ADDR": remoteAddress = value
            case "REMOTE_PORT": remotePort = Int(value) ?? 0
            case "FNHOST_REQUEST_ID": requestId = value
            case "CONTENT_TYPE" where !value.isEmpty: headers.append(("Content-Type", value))
            case "CONTENT_LENGTH" where !value.isEmpty && value != "0": headers.append(("Content-Length", value))
            default:
                if let header = HeaderName.fromCGIParameter(name) { headers.append((header, value)) }
            }
        }
        return IncomingRequest(
            method: method, query: query, headers: headers, body: request.body, remoteAddress: remoteAddress,
            remotePort: remotePort, receivedAtMilliseconds: Clock.epochMilliseconds(),
            requestId: requestId.flatMap { UUIDText.isValid($0) ? $0 : nil } ?? RequestID.make())
    }
}
