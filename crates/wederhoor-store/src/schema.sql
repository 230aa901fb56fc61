-- The one schema of Wederhoor. `{ID}` and `{REAL}` are filled in per backend (SQLite, PostgreSQL);
-- every other line is portable SQL. Times are milliseconds since the Unix epoch, UTC.

CREATE TABLE IF NOT EXISTS sources (
    id {ID},
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT UNIQUE,
    delivery_kind TEXT NOT NULL DEFAULT 'manual',
    delivery_url TEXT,
    delivery_secret TEXT,
    owned BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS contacts (
    id {ID},
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS authors (
    id {ID},
    source_id BIGINT NOT NULL REFERENCES sources(id),
    handle TEXT NOT NULL,
    name TEXT,
    followers BIGINT NOT NULL DEFAULT 0,
    contact_id BIGINT REFERENCES contacts(id),
    UNIQUE (source_id, handle)
);

CREATE TABLE IF NOT EXISTS agents (
    id {ID},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'nl',
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS conversations (
    id {ID},
    source_id BIGINT NOT NULL REFERENCES sources(id),
    author_id BIGINT REFERENCES authors(id),
    state TEXT NOT NULL DEFAULT 'new',
    owner_id BIGINT REFERENCES agents(id),
    verdict TEXT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT 'und',
    topics TEXT NOT NULL DEFAULT ',',
    snippet TEXT NOT NULL,
    origin TEXT,
    message_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_message_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_recent ON conversations (last_message_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS conversations_verdict ON conversations (verdict, last_message_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner_id, last_message_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS conversations_state ON conversations (state, last_message_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS conversations_source ON conversations (source_id, last_message_at DESC, id DESC);

-- How many conversations there are per combination of the inbox filters, kept current by
-- triggers (see `tally_triggers` in lib.rs), so the inbox counts never scan conversations.
-- owner_id 0 means unassigned.
CREATE TABLE IF NOT EXISTS conversation_tallies (
    verdict TEXT NOT NULL,
    state TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    language TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (verdict, state, source_id, language, owner_id)
);

CREATE TABLE IF NOT EXISTS messages (
    id {ID},
    source_id BIGINT NOT NULL REFERENCES sources(id),
    external_id TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    author_id BIGINT REFERENCES authors(id),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    reposts BIGINT NOT NULL DEFAULT 0,
    likes BIGINT NOT NULL DEFAULT 0,
    in_reply_to TEXT,
    UNIQUE (source_id, external_id)
);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages (conversation_id, created_at);

CREATE TABLE IF NOT EXISTS rules_versions (
    id {ID},
    rules TEXT NOT NULL,
    author_id BIGINT REFERENCES agents(id),
    comment TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS triage (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id),
    language TEXT NOT NULL,
    sentiment_label TEXT NOT NULL,
    sentiment_score {REAL} NOT NULL,
    abusive BIGINT NOT NULL,
    pii TEXT NOT NULL,
    topics TEXT NOT NULL,
    priority BIGINT NOT NULL,
    action TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    rules_version BIGINT,
    triaged_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS replies (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivery_kind TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    idempotency_key TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS replies_due ON replies (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS replies_conversation ON replies (conversation_id, created_at);

CREATE TABLE IF NOT EXISTS notes (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_conversation ON notes (conversation_id, created_at);

CREATE TABLE IF NOT EXISTS audit_log (
    id {ID},
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES agents(id),
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id BIGINT,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_object ON audit_log (object_kind, object_id);

-- A doubtful case a team lead decided (DESIGN §3 "precedent"). It can become a rule, whose id
-- is kept here once the rule is saved.
CREATE TABLE IF NOT EXISTS precedents (
    id {ID},
    message_id BIGINT NOT NULL REFERENCES messages(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    decided_by BIGINT NOT NULL REFERENCES agents(id),
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    rule_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS precedents_rule ON precedents (rule_id);
CREATE INDEX IF NOT EXISTS precedents_message ON precedents (message_id);
