-- Satisfaction surveys (#13): one row per answered case that closed on a surveyed channel.
-- `state`: scheduled (waits for `due_at`), sent (a reply with the link is in the outbox, on the
-- case itself or on the customer's private conversation `via_conversation_id`), skipped (no
-- link was sent; `skip_reason` says why, e.g. a public case whose author has no private
-- channel). The link's token is kept only as its SHA-256 (`token_hash`); one answer per case
-- (`score` is set once, before `expires_at`). `follow_up`: a detractor (0–6) to call back.
-- No foreign keys: an erasure or retention that removes the case removes its survey row too.
CREATE TABLE surveys (
    id {ID},
    conversation_id BIGINT NOT NULL UNIQUE,
    agent_id BIGINT,
    channel TEXT NOT NULL,
    topic TEXT,
    language TEXT NOT NULL,
    closed_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    skip_reason TEXT,
    via_conversation_id BIGINT,
    reply_id BIGINT,
    token_hash TEXT UNIQUE,
    sent_at BIGINT,
    expires_at BIGINT,
    score BIGINT,
    comment TEXT,
    answered_at BIGINT,
    follow_up BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX surveys_due ON surveys (state, due_at);
CREATE INDEX surveys_sent ON surveys (sent_at);
