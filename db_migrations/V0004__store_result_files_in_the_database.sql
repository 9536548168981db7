-- The try-on images of the postgres storage backend (STORAGE_BACKEND=postgres, set by
-- `fnhost serve --cluster`; see docs/job-queue.md), so that every host on this database can serve
-- every task's images. One row per task and file name (`step-<n>.<ext>`), written in the same
-- statement that records the step, fenced by the worker's lease; never changed once written.
-- A task's images go with the task.
CREATE TABLE IF NOT EXISTS replicate_result_files (
    task_id TEXT NOT NULL REFERENCES replicate_tasks (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (task_id, name)
);

-- Images are compressed already (PNG, JPEG, WebP): kept out of line without compressing them again.
ALTER TABLE replicate_result_files ALTER COLUMN bytes SET STORAGE EXTERNAL;
