import FunctionRuntime
import Postgres

/// The statements of a task that waits for Replicate without a process: parking it after its
/// create, claiming it back when its prediction ends, the timer's batch of due checks, and the
/// record of completions Replicate reported.
///
/// A waiting task holds no lease: `status = 'waiting'` with its `current_prediction_id`. Claiming
/// it back is one conditional update keyed by that prediction id, so of the webhook deliveries
/// and timer checks that race for one completion exactly one gets the task; the others see no row.
extension TaskStore {
    /// Ends the claim with `predictionId` checkpointed for `step` and the task waiting for it (no
    /// lease, no process): one fenced write, so the prediction is never created without being
    /// recorded by the claim that created it. `checkAfterSeconds`: when the worker's timer reads
    /// the prediction itself if nothing reported its end. False when the lease was lost.
    public func park(_ task: ClaimedTask, step: Int, predictionId: String, checkAfterSeconds: Double) throws(TryOnError) -> Bool {
        try run { () throws(PostgresError) -> Bool in
            let updated = try connection.executePrepared(
                name: "tasks_park",
                sql: """
                    UPDATE replicate_tasks SET
                        status = 'waiting', current_prediction_id = $4,
                        poll_after = now() + make_interval(secs => $5::float8), waiting_since = now(),
                        lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
                    WHERE id = $1 AND lease_token = $2::uuid AND status = 'processing' AND step = $3::int
                    """,
                params: [task.id, task.leaseToken, String(step), predictionId, String(checkAfterSeconds)])
            return updated == 1
        }
    }

    /// Claims the task waiting for `predictionId` (whose prediction has ended): a new lease, no
    /// attempt used. Nil when no task waits for it: unknown, already advanced by another delivery
    /// or check, moved on to a later step, finished, or failed.
    public func claimWaiting(predictionId: String, workerId: String, leaseSeconds: Double) throws(TryOnError) -> ClaimedTask? {
        try run { () throws(PostgresError) -> ClaimedTask? in
            let rows = try connection.queryPrepared(
                name: "tasks_claim_waiting",
                sql: """
                    UPDATE replicate_tasks AS t SET
                        status = 'processing', lease_token = gen_random_uuid(),
                        lease_expires_at = now() + make_interval(secs => $2::float8), locked_by = $3,
                        poll_after = NULL, waiting_since = NULL, updated_at = now()
                    WHERE t.current_prediction_id = $1 AND t.status = 'waiting'
                    RETURNING \(ClaimedTask.returningColumns)
                    """,
                params: [predictionId, String(leaseSeconds), workerId])
            return rows.first.flatMap(ClaimedTask.init(row:))
        }
    }

    /// Adopts `predictionId` as the prediction of `tag`'s task and step when that task has none
    /// (its create's answer never reached the claimant: a kill, a timeout, a reset): a `pending`
    /// task then waits for it (checked after `checkAfterSeconds`), a `processing` one keeps it
    /// when its claim gives the task back. True when adopted.
    public func adopt(_ tag: WebhookTag, predictionId: String, checkAfterSeconds: Double) throws(TryOnError) -> Bool {
        try run { () throws(PostgresError) -> Bool in
            let updated = try connection.executePrepared(
                name: "tasks_adopt",
                sql: """
                    UPDATE replicate_tasks AS t SET
                        current_prediction_id = $3,
                        status = CASE WHEN t.status = 'pending' THEN 'waiting' ELSE t.status END,
                        poll_after = CASE WHEN t.status = 'pending'
                                          THEN now() + make_interval(secs => $4::float8) ELSE t.poll_after END,
                        waiting_since = CASE WHEN t.status = 'pending' THEN now() ELSE t.waiting_since END,
                        updated_at = now()
                    WHERE t.id = $1 AND t.step = $2::int AND t.current_prediction_id IS NULL
                      AND t.status IN ('pending', 'processing')
                      AND NOT EXISTS (SELECT 1 FROM replicate_tasks WHERE current_prediction_id = $3)
                    """,
                params: [tag.taskId, String(tag.step), predictionId, String(checkAfterSeconds)])
            return updated == 1
        }
    }

    /// A waiting task whose own check is due, and the prediction it waits for.
    public struct DueCheck: Sendable, Equatable {
        public var taskId: String
        public var predictionId: String
    }

    /// Up to `limit` waiting tasks whose check is due, oldest due first, each pushed
    /// `recheckSeconds` into the future in the same statement, so concurrent timers split the
    /// batch instead of reading the same predictions.
    public func dueChecks(limit: Int, recheckSeconds: Double) throws(TryOnError) -> [DueCheck] {
        try run { () throws(PostgresError) -> [DueCheck] in
            let rows = try connection.queryPrepared(
                name: "tasks_due_checks",
                sql: """
                    WITH due AS MATERIALIZED (
                        SELECT id FROM replicate_tasks
                        WHERE status = 'waiting' AND poll_after <= now()
                        ORDER BY poll_after LIMIT $1::int
                        FOR UPDATE SKIP LOCKED)
                    UPDATE replicate_tasks AS t SET poll_after = now() + make_interval(secs => $2::float8)
                    FROM due WHERE t.id = due.id AND t.status = 'waiting'
                    RETURNING t.id, t.current_prediction_id
                    """,
                params: [String(limit), String(recheckSeconds)])
            return rows.compactMap { row in
                guard let id = row["id"], let prediction = row["current_prediction_id"] else { return nil }
                return DueCheck(taskId: id, predictionId: prediction)
            }
        }
    }

    /// Records a completed prediction as a verified delivery reported it. True when it is new;
    /// false when this `deliveryId` was recorded before (a repeated delivery).
    @discardableResult
    public func recordCompletion(deliveryId: String, prediction: Prediction, body: String) throws(TryOnError) -> Bool {
        try run { () throws(PostgresError) -> Bool in
            let inserted = try connection.executePrepared(
                name: "events_record",
                sql: """
                    INSERT INTO replicate_prediction_events (delivery_id, prediction_id, status, body)
                    VALUES ($1, $2, $3, $4) ON CONFLICT (delivery_id) DO NOTHING
                    """,
                params: [deliveryId, prediction.id, prediction.statusText, body])
            return inserted == 1
        }
    }

    /// The completion recorded for `predictionId`, if a delivery reported one.
    public func recordedCompletion(predictionId: String) throws(TryOnError) -> Prediction? {
        try run { () throws(PostgresError) -> Prediction? in
            let rows = try connection.queryPrepared(
                name: "events_for_prediction",
                sql: """
                    SELECT body FROM replicate_prediction_events WHERE prediction_id = $1
                    ORDER BY received_at DESC LIMIT 1
                    """,
                params: [predictionId])
            guard let body = rows.first?["body"] else { return nil }
            return Prediction.decode(Array(body.utf8)).flatMap { $0.id == predictionId && $0.isTerminal ? $0 : nil }
        }
    }
}
