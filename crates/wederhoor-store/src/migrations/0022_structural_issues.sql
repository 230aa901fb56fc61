-- Structural issues (#12): a recurring cause of complaints with an owner, a state (open,
-- in_progress, fixed, closed), the public idea it belongs to on the feedback page (`idea_id`,
-- no foreign key: an idea may be merged or hidden, the issue stays) and the text the team
-- sends everyone affected once it is fixed (`resolution`).
CREATE TABLE IF NOT EXISTS structural_issues (
    id {ID},
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'open',
    owner_id BIGINT REFERENCES agents(id),
    idea_id BIGINT,
    resolution TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES agents(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    fixed_at BIGINT
);
CREATE INDEX IF NOT EXISTS structural_issues_state ON structural_issues (state, updated_at);
-- The cases that show an issue. Removed with the case (erasure, retention).
CREATE TABLE IF NOT EXISTS structural_issue_cases (
    issue_id BIGINT NOT NULL REFERENCES structural_issues(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    linked_by BIGINT REFERENCES agents(id),
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (issue_id, conversation_id)
);
CREATE INDEX IF NOT EXISTS structural_issue_cases_conversation ON structural_issue_cases (conversation_id);
-- A broadcast now belongs to an incident or to a fixed structural issue: `incident_id` may be
-- empty. PostgreSQL drops the NOT NULL; SQLite cannot, so it rebuilds both broadcast tables
-- (ids kept; the recipients first, so no foreign key is ever left dangling).
{POSTGRES} ALTER TABLE broadcasts ALTER COLUMN incident_id DROP NOT NULL;
{POSTGRES} ALTER TABLE broadcasts ADD COLUMN structural_issue_id BIGINT REFERENCES structural_issues(id);
{SQLITE} CREATE TABLE broadcasts_v22 (id INTEGER PRIMARY KEY, incident_id BIGINT REFERENCES incidents(id), text TEXT NOT NULL, agent_id BIGINT NOT NULL REFERENCES agents(id), created_at BIGINT NOT NULL, structural_issue_id BIGINT REFERENCES structural_issues(id));
{SQLITE} INSERT INTO broadcasts_v22 (id, incident_id, text, agent_id, created_at) SELECT id, incident_id, text, agent_id, created_at FROM broadcasts;
{SQLITE} CREATE TABLE broadcast_recipients_v22 (broadcast_id BIGINT NOT NULL REFERENCES broadcasts_v22(id), recipient TEXT NOT NULL, conversation_id BIGINT NOT NULL REFERENCES conversations(id), reply_id BIGINT REFERENCES replies(id), unreachable TEXT, PRIMARY KEY (broadcast_id, recipient));
{SQLITE} INSERT INTO broadcast_recipients_v22 (broadcast_id, recipient, conversation_id, reply_id, unreachable) SELECT broadcast_id, recipient, conversation_id, reply_id, unreachable FROM broadcast_recipients;
{SQLITE} DROP TABLE broadcast_recipients;
{SQLITE} DROP TABLE broadcasts;
{SQLITE} ALTER TABLE broadcasts_v22 RENAME TO broadcasts;
{SQLITE} ALTER TABLE broadcast_recipients_v22 RENAME TO broadcast_recipients;
{SQLITE} CREATE INDEX IF NOT EXISTS broadcasts_incident ON broadcasts (incident_id, created_at);
CREATE INDEX IF NOT EXISTS broadcasts_structural ON broadcasts (structural_issue_id, created_at);
