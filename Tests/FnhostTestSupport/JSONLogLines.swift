import FunctionRuntime

/// The JSON lines of a log that mixes them with other text (nginx's stderr), as the host and the
/// front write them: one object per line with an `event`.
public enum JSONLogLines {
    /// The objects whose `event` is `event`, in order.
    public static func events(_ event: String, in log: String) -> [JSONObject] {
        log.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"), let value = try? JSONValue.parse(String(line)), value["event"]?.stringValue == event
            else { return nil }
            return value.objectValue
        }
    }
}
