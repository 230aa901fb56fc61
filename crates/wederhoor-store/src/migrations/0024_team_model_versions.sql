-- Versions of the learned model (issue #10, like the rules): a new version is kept inactive until
-- a lead has seen its backtest and activates it; any earlier version can be activated again
-- (rollback). Each version keeps its size and what its time-ordered cross-validation measured.
ALTER TABLE team_models ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_models ADD COLUMN metrics TEXT NOT NULL DEFAULT '{}';
ALTER TABLE team_models ADD COLUMN activated_at BIGINT;
UPDATE team_models SET activated_at = created_at WHERE active = 1;
