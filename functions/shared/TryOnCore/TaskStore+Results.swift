import FunctionRuntime
import Postgres

/// The statements on `replicate_result_files`: the images of the `postgres` storage backend, one
/// row per task and file name (see `StorageBackend`). A task's rows go with it (`ON DELETE CASCADE`).
extension TaskStore {
    /// Records `step` as done with `file` (its output, public at `outputURL`) stored in the same
    /// statement, fenced by the claim's lease token as every write after a claim: a claimant that
    /// lost its lease writes neither the step nor a byte. Once the step is recorded nothing writes
    /// that file again (a later claim works on a later step), so a stored file never changes.
    /// False when the lease was lost.
    public func completeStep(_ task: ClaimedTask, step: Int, storing file: ResultFile, outputURL: String) throws(TryOnError) -> Bool {
        try run { () throws(PostgresError) -> Bool in
            let inserted = try connection.executePrepared(
                name: "results_step_done",
                sql: """
                    WITH done AS (
                        UPDATE replicate_tasks SET \(Self.stepDoneAssignments), updated_at = now()
                        WHERE id = $1 AND lease_token = $2::uuid AND status = 'processing' AND step = $3::int
                        RETURNING id)
                    INSERT INTO replicate_result_files (task_id, name, content_type, bytes)
                    SELECT id, $5, $6, $7::bytea FROM done
                    ON CONFLICT (task_id, name) DO UPDATE
                        SET content_type = excluded.content_type, bytes = excluded.bytes, created_at = now()
                    """,
                params: [
                    task.id, task.leaseToken, String(step), outputURL, file.name, file.contentType,
                    PostgresBytea.parameter(file.bytes),
                ])
            return inserted == 1
        }
    }

    /// The stored file `name` of task `taskId`, nil when there is none. One primary-key read.
    public func resultFile(taskId: String, name: String) throws(TryOnError) -> ResultFile? {
        try run { () throws(PostgresError) -> ResultFile? in
            let rows = try connection.queryPrepared(
                name: "results_read",
                sql: """
                    SELECT content_type, encode(bytes, 'hex') AS bytes_hex
                    FROM replicate_result_files WHERE task_id = $1 AND name = $2
                    """,
                params: [taskId, name])
            guard let row = rows.first, let contentType = row["content_type"], let hex = row["bytes_hex"] else { return nil }
            guard let bytes = PostgresBytea.decode(hex) else {
                throw PostgresError(code: .unexpectedResult, message: "bytes are not hex", context: "results_read")
            }
            return ResultFile(taskId: taskId, name: name, contentType: contentType, bytes: bytes)
        }
    }
}
