#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import Postgres

/// Every SQL statement on `replicate_tasks` lives in this type and its extensions: the start's
/// insert, the status read, and the worker's sweep, claim and fenced writes.
///
/// One instance per warm worker process, holding one lazily opened connection (re-made after a
/// failure). Hot statements are prepared once per connection.
///
/// Fencing: every write after a claim names the claim's `lease_token` and `status = 'processing'`;
/// 0 rows updated means the lease was lost (the task was rescued and maybe re-claimed): such a write
/// returns `false`, and the caller (`TaskProcessor`) stops at once.
public final class TaskStore {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// From `DATABASE_URL` and `MAIN_DB_SCHEMA`, with a statement timeout (default 5 s) well under
    /// the functions' own timeouts.
    public convenience init(environment: [String: String] = ProcessEnvironment.current, statementTimeoutMilliseconds: Int = 5000)
        throws(TryOnError)
    {
        do {
            self.init(
                connection: try PostgresConnection(
                    environment: environment, applicationName: "replicate-tasks",
                    statementTimeoutMilliseconds: statementTimeoutMilliseconds))
        } catch {
            throw TryOnError(.databaseUnavailable, "The database is not configured (DATABASE_URL)", underlying: error)
        }
    }

    /// Runs `body`, turning database failures into `TryOnError` (503 when the server is unreachable).
    func run<T>(_ body: () throws(PostgresError) -> T) throws(TryOnError) -> T {
        do {
            return try body()
        } catch {
            throw TryOnError.database(error)
        }
    }

    // MARK: - Start

    /// What inserting a task produced.
    public enum InsertOutcome: Equatable, Sendable {
        /// A new task.
        case created(id: String)
        /// The `Idempotency-Key` was used before by this user: the earlier task, and whether its
        /// request was the same (by hash).
        case existing(id: String, sameRequest: Bool)
    }

    /// Inserts a pending task. With an idempotency key, a repeat of the same key by the same user
    /// returns the earlier task instead (no race: the unique index decides).
    public func insert(
        id: String, userId: String, request: TryOnRequest, idempotencyKey: String?, requestHash: String?,
        deadlineSeconds: Double, maxAttempts: Int
    ) throws(TryOnError) -> InsertOutcome {
        try run { () throws(PostgresError) -> InsertOutcome in
            let inserted = try connection.queryPrepared(
                name: "tasks_insert",
                sql: """
                    INSERT INTO replicate_tasks
                        (id, user_id, status, person_image, garments, prompt_hints, total_steps,
                         idempotency_key, request_hash, deadline_at, max_attempts, run_after, created_at, updated_at)
                    VALUES ($1, $2, 'pending', $3, $4, $5, $6::int, $7, $8,
                            now() + make_interval(secs => $9::float8), $10::int, now(), now(), now())
                    ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                    RETURNING id
                    """,
                params: [
                    id, userId, request.personImage, request.garmentsJSON, request.promptHints,
                    String(request.garments.count), idempotencyKey, requestHash, String(deadlineSeconds),
                    String(maxAttempts),
                ])
            if let row = inserted.first, let created = row["id"] { return .created(id: created) }
            let earlier = try connection.queryPrepared(
                name: "tasks_by_idempotency_key",
                sql: "SELECT id, request_hash FROM replicate_tasks WHERE user_id = $1 AND idempotency_key = $2",
                params: [userId, idempotencyKey])
            guard let row = earlier.first, let earlierId = row["id"] else {
                throw PostgresError(code: .unexpectedResult, message: "idempotent insert found no row", context: "insert")
            }
            return .existing(id: earlierId, sameRequest: row["request_hash"] == requestHash)
        }
    }

    // MARK: - Status

    /// One indexed read by primary key; no writes. Nil when there is no such task.
    public func status(taskId: String) throws(TryOnError) -> TaskStatusView? {
        try run { () throws(PostgresError) -> TaskStatusView? in
            let rows = try connection.queryPrepared(
                name: "tasks_status",
                sql: """
                    SELECT id, user_id, status, result_url, error_message, step, total_steps,
                           to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
                           to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
                    FROM replicate_tasks WHERE id = $1
                    """,
                params: [taskId])
            guard let row = rows.first, let id = row["id"], let userId = row["user_id"],
                let status = row["status"].flatMap(TaskStatus.init(rawValue:))
            else { return nil }
            return TaskStatusView(
                taskId: id, userId: userId, status: status, resultURL: row["result_url"],
                errorMessage: row["error_message"], step: Int(row["step"] ?? "") ?? 0,
                totalSteps: Int(row["total_steps"] ?? "") ?? 1, createdAt: row["created_at"] ?? "",
                updatedAt: row["updated_at"])
        }
    }
}

/// A task as the status endpoint shows it.
public struct TaskStatusView: Sendable, Equatable {
    public var taskId: String
    public var userId: String
    public var status: TaskStatus
    public var resultURL: String?
    public var errorMessage: String?
    /// Garments finished so far.
    public var step: Int
    public var totalSteps: Int
    public var createdAt: String
    public var updatedAt: String?

    /// The step a page shows: the one running (1-based) while in progress, all of them when done.
    public var currentStep: Int {
        switch status {
        case .completed: totalSteps
        case .pending, .failed: step
        case .processing, .waiting: min(step + 1, totalSteps)
        }
    }
}
