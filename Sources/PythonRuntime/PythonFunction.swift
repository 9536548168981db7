#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// A poehali.dev Python function (`index.py` with `handler(event, context)`) run by this process's
/// embedded interpreter, in the function's virtual environment. The interpreter starts when the
/// worker does; `index.py` is imported by the first invocation, whose timeout counts the import,
/// as the platform's does. A failed import is answered with a 502 naming the file and line, and
/// retried by the next invocation.
public struct PythonFunction: JSONFunction {
    private let interpreter: PythonInterpreter
    private let invokeEntry: PythonInterpreter.Entry

    /// Starts the interpreter in `settings.environment` and loads the runtime module. Throws
    /// `.initializationFailed` when the environment could not be built (the message names the
    /// failing requirement) or the interpreter does not start.
    public init(settings: PythonFunctionSettings) throws(RuntimeError) {
        switch settings.environmentStatus() {
        case .ready:
            break
        case .failed(let message):
            throw RuntimeError(
                .initializationFailed, "The function's requirements.txt could not be installed: \(message)",
                errorType: "DependencyInstallError")
        case .missing:
            throw RuntimeError(
                .initializationFailed,
                "The function's Python environment has not been built (\(settings.environment)); run fnhost deps",
                errorType: "DependencyInstallError")
        }
        do {
            interpreter = try PythonInterpreter(program: settings.environment + "/bin/python3")
            try interpreter.loadModule(name: PythonBootstrap.moduleName, source: PythonBootstrap.source)
            let configure = try interpreter.entry(module: PythonBootstrap.moduleName, function: "configure")
            _ = try interpreter.call(configure, [settings.runtimeJSON()])
            invokeEntry = try interpreter.entry(module: PythonBootstrap.moduleName, function: "invoke")
        } catch {
            throw RuntimeError(.initializationFailed, "The Python runtime did not start: \(error.description)")
        }
    }

    public mutating func invoke(event: [UInt8], integration: Integration, context: Context) throws(RuntimeError) -> [UInt8] {
        var meta = JSONText(capacity: 192)
        meta.add("requestId", context.requestId)
        meta.add("deadlineMs", Int(context.deadlineMilliseconds))
        meta.add("functionName", context.functionName)
        meta.add("functionVersion", context.functionVersion)
        meta.add("memoryLimitInMB", context.memoryLimitInMB)
        meta.add("raw", integration == .raw)
        let output: [UInt8]
        do {
            output = try interpreter.call(invokeEntry, [event, Array(meta.finish().utf8)])
        } catch {
            throw RuntimeError(.handlerFailed, "The Python runtime failed: \(error.description)", errorType: "RuntimeError")
        }
        guard let kind = output.first else {
            throw RuntimeError(.handlerFailed, "The Python runtime returned nothing", errorType: "RuntimeError")
        }
        if kind == UInt8(ascii: "R") { return Array(output.dropFirst()) }
        throw Self.error(from: output.dropFirst())
    }

    /// The runtime's error object (`b"E"` + JSON) as the platform's error.
    static func error(from json: ArraySlice<UInt8>) -> RuntimeError {
        guard let value = try? JSONValue.parse(json) else {
            return RuntimeError(.handlerFailed, String(decoding: json, as: UTF8.self), errorType: "RuntimeError")
        }
        let message = value["errorMessage"]?.stringValue ?? ""
        let errorType = value["errorType"]?.stringValue ?? "Error"
        let frames = value["stackTrace"]?.arrayValue?.compactMap(\.stringValue) ?? []
        switch value["kind"]?.stringValue {
        case "init":
            return RuntimeError(.initializationFailed, message, errorType: errorType, stackTrace: frames)
        case "result":
            return RuntimeError(.malformedResponse, message, payload: value["payload"]?.stringValue ?? "")
        default:
            return RuntimeError(.handlerFailed, message, errorType: errorType, stackTrace: frames)
        }
    }
}
