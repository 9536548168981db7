import FunctionRuntime

/// The task and step a prediction was created for, carried in its webhook URL's query
/// (`?task=<id>&step=<n>`): Replicate echoes the URL back with every delivery, so a prediction
/// whose create answer never reached the worker (a kill, a timeout, a reset) can still be found
/// and adopted by its task instead of paid for twice.
public struct WebhookTag: Sendable, Equatable {
    public var taskId: String
    public var step: Int

    public init(taskId: String, step: Int) {
        self.taskId = taskId
        self.step = step
    }

    /// `base` with the tag added to its query.
    public static func url(_ base: String, taskId: String, step: Int) -> String {
        base + (base.contains("?") ? "&" : "?") + "task=" + QueryString.encode(taskId) + "&step=" + String(step)
    }

    /// The tag of a delivery's query parameters; nil when absent or malformed.
    public init?(query: [String: String]) {
        guard let taskId = query["task"], !taskId.isEmpty, taskId.utf8.count <= 128,
            let stepText = query["step"], let step = Int(stepText), step >= 0, step < 100
        else { return nil }
        self.init(taskId: taskId, step: step)
    }
}
