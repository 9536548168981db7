import ArgumentParser
import FunctionRuntime

/// `fnhost generate-event`: prints the event the host would build for a request.
struct GenerateEventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-event",
        abstract: "Print the event JSON the host would build for an HTTP request (for `fnhost invoke --event`).")

    @Option(help: "The HTTP method.") var method: String = "GET"
    @Option(help: "The path and query, e.g. /?task_id=42.") var path: String = "/"
    @Option(name: .customLong("header"), help: "A request header as Name:Value (repeatable).") var headers: [String] = []
    @Option(help: "The request body (sent as is).") var body: String?
    @Option(name: .customLong("source-ip"), help: "The client address.") var sourceIp: String = "127.0.0.1"
    @OptionGroup var edge: EdgeFlags

    func run() throws {
        var headerList: [(name: String, value: String)] = []
        for header in headers {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                throw ValidationError("--header \(header): expected Name:Value")
            }
            headerList.append((String(header[..<colon]), String(header[header.index(after: colon)...]).trimmedASCIIWhitespace))
        }
        if body != nil, !headerList.contains(where: { HeaderName.equal($0.name, "Content-Type") }) {
            headerList.append(("Content-Type", "application/json"))
        }
        headerList.append(("User-Agent", headerList.first { HeaderName.equal($0.name, "User-Agent") }?.value ?? "fnhost"))
        let query = path.firstIndex(of: "?").map { String(path[path.index(after: $0)...]) } ?? ""
        let request = IncomingRequest(
            method: method, query: query, headers: headerList, body: Array((body ?? "").utf8),
            remoteAddress: sourceIp, remotePort: 50_000, receivedAtMilliseconds: Clock.epochMilliseconds())
        do {
            print(try EventBuilder(options: edge.options).build(request).prettyJSON())
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
