-- Answers at hand (#12). Suggested replies read the latest sent replies by their send time.
CREATE INDEX replies_sent ON replies (state, sent_at);
-- Approved facts for corrections: leads keep them with their source, owner, topic and validity
-- (UTC ms; NULL: open-ended); the composer offers them when the verdict is "correct the facts".
CREATE TABLE facts (
    id {ID},
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    owner TEXT NOT NULL,
    topic TEXT NOT NULL,
    valid_from BIGINT,
    valid_until BIGINT,
    approved_by BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX facts_topic ON facts (topic);
-- The public team page: an agent opts in with a first name and a one-line role.
ALTER TABLE agents ADD COLUMN public_name TEXT;
ALTER TABLE agents ADD COLUMN public_role TEXT;
ALTER TABLE agents ADD COLUMN public_optin BIGINT NOT NULL DEFAULT 0;
