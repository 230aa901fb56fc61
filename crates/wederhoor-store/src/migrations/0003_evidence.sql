-- The evidence of a verdict: the terms of the winning rule found in the message (JSON list).

ALTER TABLE triage ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';
