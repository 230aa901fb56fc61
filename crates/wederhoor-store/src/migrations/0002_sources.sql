-- Listening: what each source is, how it is polled, how long its messages are kept; where each
-- connector stands (checkpoint) and how it is doing (health); which listening queries matched.

ALTER TABLE sources ADD COLUMN url TEXT;
ALTER TABLE sources ADD COLUMN listening_query TEXT;
ALTER TABLE sources ADD COLUMN poll_interval_secs BIGINT NOT NULL DEFAULT 300;
ALTER TABLE sources ADD COLUMN enabled BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sources ADD COLUMN retention_days BIGINT;

CREATE TABLE IF NOT EXISTS source_checkpoints (
    source_id BIGINT PRIMARY KEY REFERENCES sources(id),
    position TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS source_health (
    source_id BIGINT PRIMARY KEY REFERENCES sources(id),
    last_success_at BIGINT,
    last_error_at BIGINT,
    last_error TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    messages_total BIGINT NOT NULL DEFAULT 0,
    skipped_total BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS message_queries (
    message_id BIGINT NOT NULL REFERENCES messages(id),
    source_id BIGINT NOT NULL REFERENCES sources(id),
    query TEXT NOT NULL,
    PRIMARY KEY (message_id, source_id)
);
