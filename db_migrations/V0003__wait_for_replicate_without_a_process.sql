-- Tasks wait for Replicate without holding a worker process (see docs/job-queue.md): after a
-- prediction is created and checkpointed, the task is 'waiting' (no lease, its prediction id kept)
-- until Replicate's signed webhook, or the worker's timer reading the prediction itself, advances it.
-- The page still sees four states: the status function reports 'waiting' as 'processing'.
ALTER TABLE replicate_tasks DROP CONSTRAINT IF EXISTS replicate_tasks_status_check;
ALTER TABLE replicate_tasks
    ADD CONSTRAINT replicate_tasks_status_check
        CHECK (status IN ('pending', 'processing', 'waiting', 'completed', 'failed'));

-- poll_after: when the worker's timer reads a waiting prediction itself (soon when webhooks are off,
-- as a fallback for a lost delivery when they are on). waiting_since: when the current wait began.
ALTER TABLE replicate_tasks
    ADD COLUMN IF NOT EXISTS poll_after TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS waiting_since TIMESTAMPTZ;

ALTER TABLE replicate_tasks
    ADD CONSTRAINT replicate_tasks_waiting_has_prediction
        CHECK (status <> 'waiting' OR (current_prediction_id IS NOT NULL AND poll_after IS NOT NULL));

-- The timer's batch: waiting tasks whose own check is due.
CREATE INDEX IF NOT EXISTS replicate_tasks_waiting_ix
    ON replicate_tasks (poll_after) WHERE status = 'waiting';

-- Completed predictions as Replicate reported them (a verified webhook delivery). A delivery can
-- arrive before the worker has written the create's checkpoint; the worker looks here right after
-- writing it, so a completion is never lost to that race. One row per delivery id (webhook-id):
-- a repeated delivery adds nothing. Rows older than a day are removed by the worker's sweep.
CREATE TABLE IF NOT EXISTS replicate_prediction_events (
    delivery_id TEXT PRIMARY KEY,
    prediction_id TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS replicate_prediction_events_prediction_ix
    ON replicate_prediction_events (prediction_id);
CREATE INDEX IF NOT EXISTS replicate_prediction_events_received_ix
    ON replicate_prediction_events (received_at);
