import FunctionRuntime
import TryOnCore

/// `replicate-async-status` (GET `?task_id=`): the task's state for the page that polls it every
/// 3 seconds. The hottest endpoint: one prepared primary-key read, no writes, the answer built
/// without an encoder.
///
/// A task whose owner differs from a given `X-User-Id` is reported as not found, so ids reveal
/// nothing to other users. Environment: `DATABASE_URL`, `MAIN_DB_SCHEMA`.
public struct TryOnStatusFunction: CloudFunction {
    /// Longest accepted `task_id`, in bytes. 128.
    static let maxTaskIdBytes = 128
    static let headers = CORS.headers.merging(["Access-Control-Allow-Methods": "GET, OPTIONS"]) { _, new in new }

    private var store: TaskStore?

    public init() throws {}

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        switch event.httpMethod {
        case "OPTIONS": return CORS.preflight(methods: "GET, OPTIONS")
        case "GET", "HEAD": break
        default: throw TryOnError(.methodNotAllowed, "Use GET to read a task's status", headers: Self.headers)
        }
        guard let taskId = event.queryStringParameters["task_id"]?.trimmedASCIIWhitespace, !taskId.isEmpty else {
            throw TryOnError(.invalidRequest, "task_id query parameter is required", headers: Self.headers)
        }
        guard taskId.utf8.count <= Self.maxTaskIdBytes, taskId.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw TryOnError(.invalidRequest, "task_id is not a valid task id", headers: Self.headers)
        }
        let userId: String?
        do { userId = try RequestIdentity.optionalUserId(event) } catch { throw error.with(headers: Self.headers) }
        if store == nil { store = try TaskStore() }
        guard let store, let task = try store.status(taskId: taskId) else { throw Self.notFound }
        if let userId, userId != task.userId { throw Self.notFound }

        var body = JSONText(capacity: 320)
        body.add("task_id", task.taskId)
        body.add("status", task.status.pageStatus.rawValue)
        body.add("created_at", task.createdAt)
        if let updatedAt = task.updatedAt { body.add("updated_at", updatedAt) } else { body.addNull("updated_at") }
        if task.status == .completed, let resultURL = task.resultURL { body.add("result_url", resultURL) }
        if task.status == .failed { body.add("error_message", task.errorMessage ?? "The try-on failed") }
        body.add("current_step", task.currentStep)
        body.add("total_steps", task.totalSteps)
        return Response(statusCode: 200, headers: Self.answerHeaders, body: body.finish())
    }

    /// The answer's headers, built once: every poll shares this dictionary instead of copying and
    /// extending `headers` (a copy, a rehash and two inserts per request on the hottest endpoint).
    static let answerHeaders = headers.merging(["Content-Type": "application/json", "Cache-Control": "no-store"]) { _, new in new }

    static let notFound = TryOnError(.notFound, "Task not found", headers: headers)
}
