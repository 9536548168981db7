#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FunctionRuntime

/// `fnhost invoke NAME --event FILE`: one in-process invocation (like `sam local invoke -e`).
struct InvokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Invoke a function once in this process with an event file and print the response JSON.")

    @Argument(help: "The function's name (or uuid).") var name: String
    @Option(help: "The event JSON file, or - for standard input (see `fnhost generate-event`).") var event: String
    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var edge: EdgeFlags

    func run() throws {
        _ = try functions.loadEnvironment()
        let (spec, factory) = try functions.function(named: name)
        let bytes = event == "-" ? StandardInput.readAll() : FileBytes.read(event)
        guard let bytes else { throw ValidationError("Cannot read the event file \(event)") }
        let decoded: Event
        do {
            decoded = try Event.decode(json: bytes)
        } catch {
            throw ValidationError("\(event) is not an event JSON object: \(error)")
        }
        for (name, value) in spec.configuration.environment { setenv(name, value, 1) }
        var invoker = FunctionInvoker(spec: spec, factory: factory, edge: edge.options)
        let deadline = Clock.epochMilliseconds() + Int64(spec.configuration.timeoutSeconds * 1000)
        let result = invoker.invoke(decoded, deadlineMilliseconds: deadline)
        print(ResponseJSON.describe(result.response))
        if result.outcome != .ok { throw ExitCode(1) }
    }
}

/// A response on the wire, printed in the platform's response shape.
enum ResponseJSON {
    static func describe(_ parts: HTTPResponseParts) -> String {
        var headers: [String: JSONValue] = [:]
        var multi: [String: JSONValue] = [:]
        for (name, value) in parts.headers {
            headers[name] = .string(value)
            multi[name] = .array((multi[name]?.arrayValue ?? []) + [.string(value)])
        }
        let text = String(validating: parts.body, as: UTF8.self)
        return JSONValue.object([
            "statusCode": .number(Double(parts.status)),
            "headers": .object(headers),
            "multiValueHeaders": .object(multi),
            "body": .string(text ?? Base64.encode(parts.body)),
            "isBase64Encoded": .bool(text == nil),
        ]).encoded()
    }
}

enum StandardInput {
    static func readAll() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = read(0, &buffer, buffer.count)
            guard got > 0 else { return bytes }
            bytes.append(contentsOf: buffer[0..<got])
        }
    }
}
