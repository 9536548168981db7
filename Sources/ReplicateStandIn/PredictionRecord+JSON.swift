import FunctionRuntime
import Hashing

extension PredictionRecord {
    /// The prediction object as Replicate returns it (replicate-api.md §3 and §11).
    ///
    /// - Parameters:
    ///   - snapshot: the state to show (``Snapshot/created`` for the 201 of a create).
    ///   - baseURL: `http://<Host header>`, used for `urls` and `output`, so links work however the
    ///     client reached the stand-in.
    ///   - inlinePNG: when given and the snapshot is `succeeded`, the output is this image as a
    ///     `data:` URI rather than the file URL (see ``inlineOutput``).
    func json(_ snapshot: Snapshot, baseURL: String, inlinePNG: [UInt8]? = nil) -> JSONValue {
        let getURL = "\(baseURL)/v1/predictions/\(id)"
        var output: JSONValue = .null
        var error: JSONValue = .null
        var metrics: JSONObject = [:]
        var logs = ""
        if snapshot.startedOffsetMs != nil {
            logs += "Using seed: 42\nRunning idm-vton (stand-in), step \(step)...\n"
        }
        switch snapshot.status {
        case "succeeded":
            output = .string(inlinePNG.map { "data:image/png;base64," + StandardBase64.encode($0) } ?? "\(baseURL)/files/\(id).png")
            logs += "Done: \(tryOn.category) garment applied.\n"
        case "failed":
            error = .optionalString(failure)
            logs += "Traceback (most recent call last):\nRuntimeError: \(failure ?? "failed")\n"
        default:
            break
        }
        if let completed = snapshot.completedOffsetMs {
            let started = snapshot.startedOffsetMs ?? completed
            metrics["predict_time"] = .number(Double(completed - started) / 1000)
            metrics["total_time"] = .number(Double(completed) / 1000)
        }
        func stamp(_ offset: Int?) -> JSONValue {
            offset.map { .string(WallClock.iso8601(createdAtMs + Int64($0))) } ?? .null
        }
        var members: JSONObject = [
            "id": .string(id),
            "model": .string(model),
            "version": .string(version),
            "status": .string(snapshot.status),
            "input": input,
            "output": output,
            "error": error,
            "logs": .string(logs),
            "metrics": .object(metrics),
            "created_at": .string(WallClock.iso8601(createdAtMs)),
            "started_at": stamp(snapshot.startedOffsetMs),
            "completed_at": stamp(snapshot.completedOffsetMs),
            "source": .string("api"),
            "data_removed": .bool(false),
            "urls": .object([
                "get": .string(getURL),
                "cancel": .string("\(getURL)/cancel"),
                "web": .string("\(baseURL)/p/\(id)"),
            ]),
        ]
        if let webhook {
            members["webhook"] = .string(webhook.url)
            if let filter = webhook.filter { members["webhook_events_filter"] = .array(filter.map(JSONValue.string)) }
        }
        return .object(members)
    }
}
