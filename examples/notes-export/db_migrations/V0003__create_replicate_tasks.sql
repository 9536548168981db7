-- The try-on task table (replicate-async-start, -worker, -status) in one step: the columns of the
-- original application's table (fnhost's docs/job-queue.md, "The original table") followed by the
-- ones the job system added for progress, leases, attempts and idempotent starts. It is the table
-- fnhost's own db_migrations/ V0001 and V0002 leave behind, column for column, with the same
-- constraints and indexes, so the page, these Python functions and the shipped Swift ones read the
-- same rows.
CREATE TABLE replicate_tasks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    person_image TEXT NOT NULL,
    garments TEXT NOT NULL,
    prompt_hints TEXT,
    result_url TEXT,
    error_message TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP,
    total_steps INT NOT NULL DEFAULT 1,
    step INT NOT NULL DEFAULT 0,
    current_prediction_id TEXT,
    intermediate_url TEXT,
    attempt INT NOT NULL DEFAULT 0,
    max_attempts INT NOT NULL DEFAULT 5,
    prediction_retries INT NOT NULL DEFAULT 0,
    run_after TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    deadline_at TIMESTAMPTZ NOT NULL DEFAULT NOW() + INTERVAL '10 minutes',
    lease_token UUID,
    lease_expires_at TIMESTAMPTZ,
    locked_by TEXT,
    rescue_count INT NOT NULL DEFAULT 0,
    error_code TEXT,
    attempt_log JSONB NOT NULL DEFAULT '[]'::jsonb,
    idempotency_key TEXT,
    request_hash TEXT,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    -- A task is 'processing' exactly while a worker holds its lease.
    CONSTRAINT replicate_tasks_lease_matches_status
        CHECK ((status = 'processing') = (lease_token IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT replicate_tasks_step_range CHECK (step >= 0 AND step <= total_steps),
    CONSTRAINT replicate_tasks_attempt_range CHECK (attempt >= 0 AND attempt <= max_attempts)
);

CREATE INDEX idx_replicate_tasks_status_created ON replicate_tasks (status, created_at);
CREATE INDEX idx_replicate_tasks_user_id ON replicate_tasks (user_id);
-- One task per (user, Idempotency-Key).
CREATE UNIQUE INDEX replicate_tasks_idempotency_uq
    ON replicate_tasks (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The worker's pick: ready pending tasks, oldest first.
CREATE INDEX replicate_tasks_ready_ix ON replicate_tasks (run_after, created_at) WHERE status = 'pending';
-- Expired leases (tasks whose worker died).
CREATE INDEX replicate_tasks_lease_ix ON replicate_tasks (lease_expires_at) WHERE status = 'processing';
-- A prediction belongs to one task.
CREATE UNIQUE INDEX replicate_tasks_prediction_uq
    ON replicate_tasks (current_prediction_id) WHERE current_prediction_id IS NOT NULL;
