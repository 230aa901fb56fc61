-- Service levels (issue #12): a case's next target as the service-level sweep computed it
-- (`due_kind`: first_response, resolution or none; NULL: not computed yet), when its warning
-- and breach were signalled, and a snooze or follow-up promise (`snoozed_until`, with an
-- optional note: "follow up by <date> — note"); the case leaves the inbox until then.
ALTER TABLE conversations ADD COLUMN due_kind TEXT;
ALTER TABLE conversations ADD COLUMN due_at BIGINT;
ALTER TABLE conversations ADD COLUMN warn_at BIGINT;
ALTER TABLE conversations ADD COLUMN warned_at BIGINT;
ALTER TABLE conversations ADD COLUMN breached_at BIGINT;
ALTER TABLE conversations ADD COLUMN snoozed_until BIGINT;
ALTER TABLE conversations ADD COLUMN snooze_note TEXT;
ALTER TABLE conversations ADD COLUMN snoozed_by BIGINT REFERENCES agents(id);
CREATE INDEX IF NOT EXISTS conversations_due ON conversations (due_at, id);
CREATE INDEX IF NOT EXISTS conversations_snoozed ON conversations (snoozed_until);
-- Auto-assignment: an agent's team and languages (comma-separated, e.g. `nl,en`), whether they
-- are available now, and when they were last given a case (round robin picks the longest ago).
ALTER TABLE agents ADD COLUMN team TEXT;
ALTER TABLE agents ADD COLUMN languages TEXT;
ALTER TABLE agents ADD COLUMN available BIGINT NOT NULL DEFAULT 1;
ALTER TABLE agents ADD COLUMN last_assigned_at BIGINT;
