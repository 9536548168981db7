import FunctionRuntime
import Postgres

/// The worker's statements: rescue sweep, claim, and the writes fenced by the claim's lease token.
extension TaskStore {
    /// What one sweep changed.
    public struct SweepResult: Sendable, Equatable {
        /// Tasks whose lease had expired, put back to `pending` (resumable) or `failed` (out of time
        /// or attempts).
        public var rescued: Int
        /// Pending or waiting tasks failed because their deadline passed (or, pending, their attempts
        /// ran out).
        public var expired: Int
    }

    /// Rescues tasks whose worker stopped renewing its lease, re-checking the expiry in the update
    /// itself so that a worker that finishes between the pick and the write is never overwritten.
    /// The prediction id is kept, so the next claimant resumes the same prediction.
    public func sweep(limit: Int = 20) throws(TryOnError) -> SweepResult {
        try run { () throws(PostgresError) -> SweepResult in
            let rescued = try connection.queryPrepared(
                name: "tasks_rescue",
                sql: """
                    WITH expired AS MATERIALIZED (
                        SELECT id FROM replicate_tasks
                        WHERE status = 'processing' AND lease_expires_at < now()
                        ORDER BY lease_expires_at LIMIT $1::int
                        FOR UPDATE SKIP LOCKED)
                    UPDATE replicate_tasks AS t SET
                        status = CASE WHEN now() >= t.deadline_at OR t.attempt >= t.max_attempts
                                      THEN 'failed' ELSE 'pending' END,
                        error_code = CASE WHEN now() >= t.deadline_at THEN 'deadline_exceeded'
                                          WHEN t.attempt >= t.max_attempts THEN 'attempts_exhausted'
                                          ELSE t.error_code END,
                        error_message = CASE WHEN now() >= t.deadline_at THEN 'The try-on took longer than its deadline'
                                             WHEN t.attempt >= t.max_attempts
                                             THEN coalesce(t.error_message, 'The worker stopped before finishing, too many times')
                                             ELSE t.error_message END,
                        completed_at = CASE WHEN now() >= t.deadline_at OR t.attempt >= t.max_attempts
                                            THEN now() END,
                        run_after = now(),
                        rescue_count = t.rescue_count + 1,
                        attempt_log = t.attempt_log || jsonb_build_object('at', now(), 'attempt', t.attempt,
                                                                          'code', 'lease_expired', 'by', t.locked_by),
                        lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
                    FROM expired AS e
                    WHERE t.id = e.id AND t.status = 'processing' AND t.lease_expires_at < now()
                    RETURNING t.id
                    """,
                params: [String(limit)])
            let expired = try connection.executePrepared(
                name: "tasks_expire_pending",
                sql: """
                    UPDATE replicate_tasks SET
                        status = 'failed',
                        error_code = CASE WHEN deadline_at <= now() THEN 'deadline_exceeded' ELSE 'attempts_exhausted' END,
                        error_message = CASE WHEN deadline_at <= now() THEN 'The try-on took longer than its deadline'
                                             ELSE coalesce(error_message, 'The try-on failed too many times') END,
                        completed_at = now(), poll_after = NULL, waiting_since = NULL, updated_at = now()
                    WHERE (status = 'pending' AND (deadline_at <= now() OR attempt >= max_attempts))
                       OR (status = 'waiting' AND deadline_at <= now())
                    """)
            _ = try connection.executePrepared(
                name: "events_forget_old",
                sql: "DELETE FROM replicate_prediction_events WHERE received_at < now() - interval '1 day'")
            return SweepResult(rescued: rescued.count, expired: expired)
        }
    }

    /// Claims the oldest ready task, atomically (`FOR UPDATE SKIP LOCKED`): concurrent workers never
    /// get the same one. Takes a lease of `leaseSeconds` with a new fencing token and uses an attempt.
    public func claim(workerId: String, leaseSeconds: Double) throws(TryOnError) -> ClaimedTask? {
        try run { () throws(PostgresError) -> ClaimedTask? in
            let rows = try connection.queryPrepared(
                name: "tasks_claim",
                sql: """
                    WITH candidate AS MATERIALIZED (
                        SELECT id FROM replicate_tasks
                        WHERE status = 'pending' AND run_after <= now() AND deadline_at > now()
                          AND attempt < max_attempts
                        ORDER BY run_after, created_at, id LIMIT 1
                        FOR UPDATE SKIP LOCKED)
                    UPDATE replicate_tasks AS t SET
                        status = 'processing', attempt = t.attempt + 1, lease_token = gen_random_uuid(),
                        lease_expires_at = now() + make_interval(secs => $1::float8), locked_by = $2,
                        started_at = coalesce(t.started_at, now()), updated_at = now()
                    FROM candidate AS c WHERE t.id = c.id
                    RETURNING \(ClaimedTask.returningColumns)
                    """,
                params: [String(leaseSeconds), workerId])
            guard let row = rows.first else { return nil }
            return ClaimedTask(row: row)
        }
    }

    /// Extends the lease (the worker's heartbeat). False: the lease is lost.
    public func renewLease(_ task: ClaimedTask, seconds: Double) throws(TryOnError) -> Bool {
        try fenced("tasks_renew", "lease_expires_at = now() + make_interval(secs => $3::float8)", task, [String(seconds)])
    }

    /// Records the prediction Replicate just created for `step`, before waiting on it, so a worker
    /// that dies now is resumed with a GET instead of a second (billed) create.
    public func checkpointPrediction(_ task: ClaimedTask, step: Int, predictionId: String) throws(TryOnError) -> Bool {
        try fenced(
            "tasks_checkpoint", "current_prediction_id = $4", task, [String(step), predictionId], stepGuard: true)
    }

    /// Step `step` is done and its output copied to our storage (`outputURL`, the next step's input).
    public func completeStep(_ task: ClaimedTask, step: Int, outputURL: String) throws(TryOnError) -> Bool {
        try fenced("tasks_step_done", Self.stepDoneAssignments, task, [String(step), outputURL], stepGuard: true)
    }

    /// What recording a finished step sets (`$4`: the URL of its stored output).
    static let stepDoneAssignments = "step = step + 1, intermediate_url = $4, current_prediction_id = NULL, prediction_retries = 0"

    /// Forgets the prediction of the current step (Replicate no longer knows it, or it failed and a
    /// new one will be created), counting a prediction retry when `countsAsRetry`.
    public func dropPrediction(_ task: ClaimedTask, countsAsRetry: Bool) throws(TryOnError) -> Bool {
        try fenced(
            "tasks_drop_prediction",
            "current_prediction_id = NULL, prediction_retries = prediction_retries + $3::int", task,
            [countsAsRetry ? "1" : "0"])
    }

    /// The task is done: `completed` with our copy of the final image.
    public func finish(_ task: ClaimedTask, resultURL: String) throws(TryOnError) -> Bool {
        try fenced(
            "tasks_finish",
            """
            status = 'completed', result_url = $3, error_code = NULL, error_message = NULL,
            current_prediction_id = NULL, completed_at = now(),
            lease_token = NULL, lease_expires_at = NULL, locked_by = NULL
            """, task, [resultURL])
    }

    /// Ends this attempt with an error: back to `pending` after `delaySeconds` when `retryable` and
    /// attempts and deadline allow, else `failed` with `message`. Returns the new status, or nil when
    /// the lease was lost.
    public func settle(
        _ task: ClaimedTask, retryable: Bool, delaySeconds: Double, code: String, message: String, keepPrediction: Bool
    ) throws(TryOnError) -> TaskStatus? {
        try run { () throws(PostgresError) -> TaskStatus? in
            // Old column values throughout: whether this attempt may be retried.
            let retry =
                "($7::boolean AND t.attempt < t.max_attempts AND now() + make_interval(secs => $3::float8) < t.deadline_at)"
            let rows = try connection.queryPrepared(
                name: "tasks_settle",
                sql: """
                    UPDATE replicate_tasks AS t SET
                        status = CASE WHEN \(retry) THEN 'pending' ELSE 'failed' END,
                        completed_at = CASE WHEN \(retry) THEN NULL ELSE now() END,
                        run_after = now() + make_interval(secs => $3::float8),
                        error_code = $4, error_message = left($5, 2000),
                        attempt_log = t.attempt_log || jsonb_build_object('at', now(), 'attempt', t.attempt,
                                                                          'code', $4::text, 'message', left($5, 300)),
                        current_prediction_id = CASE WHEN $6::boolean THEN t.current_prediction_id END,
                        lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
                    WHERE t.id = $1 AND t.lease_token = $2::uuid AND t.status = 'processing'
                    RETURNING t.status
                    """,
                params: [
                    task.id, task.leaseToken, String(delaySeconds), code, message, keepPrediction ? "true" : "false",
                    retryable ? "true" : "false",
                ])
            return rows.first?["status"].flatMap(TaskStatus.init(rawValue:))
        }
    }

    /// Gives the task back without using an attempt (a 429, the call's time running out, or between
    /// garments): `pending` again after `delaySeconds` with its prediction kept, unless that would
    /// pass the deadline (then `failed`, `deadline_exceeded`). Nil when the lease was lost.
    public func snooze(_ task: ClaimedTask, delaySeconds: Double, reason: String) throws(TryOnError) -> TaskStatus? {
        try run { () throws(PostgresError) -> TaskStatus? in
            let rows = try connection.queryPrepared(
                name: "tasks_snooze",
                sql: """
                    UPDATE replicate_tasks AS t SET
                        status = CASE WHEN now() + make_interval(secs => $3::float8) < t.deadline_at
                                      THEN 'pending' ELSE 'failed' END,
                        attempt = CASE WHEN now() + make_interval(secs => $3::float8) < t.deadline_at
                                       THEN greatest(t.attempt - 1, 0) ELSE t.attempt END,
                        error_code = CASE WHEN now() + make_interval(secs => $3::float8) < t.deadline_at
                                          THEN t.error_code ELSE 'deadline_exceeded' END,
                        error_message = CASE WHEN now() + make_interval(secs => $3::float8) < t.deadline_at
                                             THEN t.error_message ELSE 'The try-on took longer than its deadline' END,
                        completed_at = CASE WHEN now() + make_interval(secs => $3::float8) < t.deadline_at
                                            THEN NULL ELSE now() END,
                        run_after = now() + make_interval(secs => $3::float8),
                        attempt_log = t.attempt_log || jsonb_build_object('at', now(), 'attempt', t.attempt,
                                                                          'code', 'snoozed', 'message', $4::text),
                        lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
                    WHERE t.id = $1 AND t.lease_token = $2::uuid AND t.status = 'processing'
                    RETURNING t.status
                    """,
                params: [task.id, task.leaseToken, String(delaySeconds), reason])
            return rows.first?["status"].flatMap(TaskStatus.init(rawValue:))
        }
    }

    /// Whether a pending task is ready to be claimed now (one indexed probe).
    public func hasReadyTask() throws(TryOnError) -> Bool {
        try run { () throws(PostgresError) -> Bool in
            let rows = try connection.queryPrepared(
                name: "tasks_has_ready",
                sql: """
                    SELECT EXISTS (SELECT 1 FROM replicate_tasks
                                   WHERE status = 'pending' AND run_after <= now() AND deadline_at > now()
                                     AND attempt < max_attempts) AS ready
                    """)
            return rows.first?["ready"] == "t"
        }
    }

    /// Task counts by status, the oldest pending task's age in seconds, and the rescues so far.
    public func queueSummary() throws(TryOnError) -> (counts: [TaskStatus: Int], oldestPendingSeconds: Double?, rescued: Int) {
        try run { () throws(PostgresError) -> ([TaskStatus: Int], Double?, Int) in
            let rows = try connection.query(
                """
                SELECT status, count(*) AS n,
                       extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending'))::float8 AS oldest,
                       sum(rescue_count) AS rescued
                FROM replicate_tasks GROUP BY status
                """)
            var counts: [TaskStatus: Int] = [:]
            var oldest: Double?
            var rescued = 0
            for row in rows {
                if let status = row["status"].flatMap(TaskStatus.init(rawValue:)) { counts[status] = Int(row["n"] ?? "") ?? 0 }
                if let value = row["oldest"].flatMap(Double.init) { oldest = value }
                rescued += Int(row["rescued"] ?? "") ?? 0
            }
            return (counts, oldest, rescued)
        }
    }

    /// `UPDATE ... SET <assignments>, updated_at = now() WHERE id = $1 AND lease_token = $2 AND
    /// status = 'processing' [AND step = $3]`: true when the row was updated (the lease holds).
    private func fenced(
        _ name: String, _ assignments: String, _ task: ClaimedTask, _ extra: [String?], stepGuard: Bool = false
    ) throws(TryOnError) -> Bool {
        try run { () throws(PostgresError) -> Bool in
            let guardStep = stepGuard ? " AND step = $3::int" : ""
            let updated = try connection.executePrepared(
                name: name,
                sql: "UPDATE replicate_tasks SET \(assignments), updated_at = now() "
                    + "WHERE id = $1 AND lease_token = $2::uuid AND status = 'processing'\(guardStep)",
                params: [task.id, task.leaseToken] + extra)
            return updated == 1
        }
    }
}
