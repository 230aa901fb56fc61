-- What the team did with a message (DESIGN §3 "decision"): a lead's review decision, an agent's
-- reply, a case closed without a reply. One row per message (the latest decision counts, except
-- that closing never overrides a reply or a review decision). They teach the learned model.
CREATE TABLE decisions (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    agent_id BIGINT,
    action TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX decisions_created ON decisions (created_at);

-- Versions of the per-installation model learned from the decisions; one is active.
CREATE TABLE team_models (
    id {ID},
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    decisions BIGINT NOT NULL,
    holdout {REAL} NOT NULL,
    changes BIGINT NOT NULL,
    compared BIGINT NOT NULL,
    content {BLOB} NOT NULL,
    active BIGINT NOT NULL DEFAULT 0
);

-- How sure the engine was of the verdict (0..1), shown next to it in the inbox.
ALTER TABLE triage ADD COLUMN confidence {REAL} NOT NULL DEFAULT 1;
