-- Cards and broadcasts (#13). `media` holds what a reply carries besides its text (an e-card's
-- PNG), once per content hash; the outbox worker reads it with the reply.
CREATE TABLE IF NOT EXISTS media (
    id {ID},
    sha256 TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes {BLOB} NOT NULL,
    created_at BIGINT NOT NULL
);
ALTER TABLE replies ADD COLUMN media_id BIGINT;
-- The text a screen reader reads for the media (Mastodon's description).
ALTER TABLE replies ADD COLUMN media_alt TEXT;
-- An e-card sent after a conversation: its template, the agent's line and the reply it went out with.
CREATE TABLE IF NOT EXISTS cards (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    template TEXT NOT NULL,
    line TEXT NOT NULL,
    reply_id BIGINT REFERENCES replies(id),
    media_id BIGINT REFERENCES media(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS cards_conversation ON cards (conversation_id);
-- A broadcast to everyone an incident affects: one row per contact (or author without a contact),
-- with the reply it was queued as, or why it could not be.
CREATE TABLE IF NOT EXISTS broadcasts (
    id {ID},
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    text TEXT NOT NULL,
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS broadcasts_incident ON broadcasts (incident_id, created_at);
CREATE TABLE IF NOT EXISTS broadcast_recipients (
    broadcast_id BIGINT NOT NULL REFERENCES broadcasts(id),
    recipient TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    reply_id BIGINT REFERENCES replies(id),
    unreachable TEXT,
    PRIMARY KEY (broadcast_id, recipient)
);
-- A printed card an agent requested for the author of a conversation: the address (personal
-- data, collected privately; cleared once the card is marked sent), its cost against the monthly
-- budget, and when it was sent. Exported and erased with the person.
CREATE TABLE IF NOT EXISTS printed_cards (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    author_id BIGINT REFERENCES authors(id),
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    template TEXT NOT NULL,
    line TEXT NOT NULL,
    recipient TEXT,
    address TEXT,
    cost_cents BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'requested',
    requested_at BIGINT NOT NULL,
    sent_at BIGINT,
    sent_by BIGINT REFERENCES agents(id)
);
CREATE INDEX IF NOT EXISTS printed_cards_state ON printed_cards (state, requested_at);
CREATE INDEX IF NOT EXISTS printed_cards_author ON printed_cards (author_id);
