-- What the crash-safe worker needs (see docs/job-queue.md): progress through the garment chain, the
-- Replicate prediction in flight, a lease with a fencing token, attempts with a wall-clock deadline,
-- and idempotent starts. Every column has a default, so rows written before this migration stay valid;
-- tasks an old worker left in 'processing' go back to 'pending' (they hold no lease to fence with).
UPDATE replicate_tasks SET status = 'pending', updated_at = NOW() WHERE status = 'processing';

ALTER TABLE replicate_tasks
    ADD COLUMN IF NOT EXISTS total_steps INT NOT NULL DEFAULT 1,
    ADD COLUMN IF NOT EXISTS step INT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS current_prediction_id TEXT,
    ADD COLUMN IF NOT EXISTS intermediate_url TEXT,
    ADD COLUMN IF NOT EXISTS attempt INT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS max_attempts INT NOT NULL DEFAULT 5,
    ADD COLUMN IF NOT EXISTS prediction_retries INT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS run_after TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    ADD COLUMN IF NOT EXISTS deadline_at TIMESTAMPTZ NOT NULL DEFAULT NOW() + INTERVAL '10 minutes',
    ADD COLUMN IF NOT EXISTS lease_token UUID,
    ADD COLUMN IF NOT EXISTS lease_expires_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS locked_by TEXT,
    ADD COLUMN IF NOT EXISTS rescue_count INT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS error_code TEXT,
    ADD COLUMN IF NOT EXISTS attempt_log JSONB NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN IF NOT EXISTS idempotency_key TEXT,
    ADD COLUMN IF NOT EXISTS request_hash TEXT,
    ADD COLUMN IF NOT EXISTS started_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS completed_at TIMESTAMPTZ;

-- Existing rows: their garment count is the length of the stored JSON list; 1 when the text is
-- not a JSON list (the original application stored whatever the page sent).
CREATE OR REPLACE FUNCTION pg_temp.fnhost_garment_count(garments TEXT) RETURNS INT LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(garments::jsonb) = 'array' THEN
        RETURN greatest(jsonb_array_length(garments::jsonb), 1);
    END IF;
    RETURN 1;
EXCEPTION WHEN others THEN
    RETURN 1;
END
$$;
UPDATE replicate_tasks SET total_steps = pg_temp.fnhost_garment_count(garments);
-- A temporary function lives as long as the session: drop it so nothing outlives this file.
DROP FUNCTION pg_temp.fnhost_garment_count(TEXT);

ALTER TABLE replicate_tasks
    ADD CONSTRAINT replicate_tasks_lease_matches_status
        CHECK ((status = 'processing') = (lease_token IS NOT NULL AND lease_expires_at IS NOT NULL)),
    ADD CONSTRAINT replicate_tasks_step_range CHECK (step >= 0 AND step <= total_steps),
    ADD CONSTRAINT replicate_tasks_attempt_range CHECK (attempt >= 0 AND attempt <= max_attempts);

-- Idempotent start: one task per (user, key).
CREATE UNIQUE INDEX IF NOT EXISTS replicate_tasks_idempotency_uq
    ON replicate_tasks (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The claim's pick: ready pending tasks, oldest first.
CREATE INDEX IF NOT EXISTS replicate_tasks_ready_ix
    ON replicate_tasks (run_after, created_at) WHERE status = 'pending';
-- The rescue sweep: expired leases.
CREATE INDEX IF NOT EXISTS replicate_tasks_lease_ix
    ON replicate_tasks (lease_expires_at) WHERE status = 'processing';
-- A prediction belongs to one task.
CREATE UNIQUE INDEX IF NOT EXISTS replicate_tasks_prediction_uq
    ON replicate_tasks (current_prediction_id) WHERE current_prediction_id IS NOT NULL;
