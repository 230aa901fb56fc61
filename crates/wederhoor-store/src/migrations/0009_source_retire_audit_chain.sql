-- Security (#14): a deleted source that still has messages is retired, not removed: it keeps
-- its row (its messages point at it) but is disabled, its token is replaced, and it is hidden
-- from every list.
ALTER TABLE sources ADD COLUMN deleted_at BIGINT;
-- The audit log as a hash chain: each row carries SHA-256 over the previous row's hash and its
-- own fields, so changing or deleting a row breaks every hash after it.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
