ALTER TABLE notes ADD COLUMN user_id VARCHAR(64);

CREATE INDEX idx_notes_user_created ON notes (user_id, created_at DESC);
