-- The public feedback page: boards with their statuses, customer accounts, ideas, votes,
-- reactions (customer reactions and staff answers), status history, followers, social messages
-- attached as evidence, reports, search terms, and the mail outbox for notifications.

-- The department a staff member answers for on the feedback page (product, marketing, …).
ALTER TABLE agents ADD COLUMN department TEXT;

-- A message its author edited (the text is the newest version) or deleted on the platform (kept
-- for the team, marked, until retention or an erasure removes it).
ALTER TABLE messages ADD COLUMN edited_at BIGINT;
ALTER TABLE messages ADD COLUMN deleted_at BIGINT;

CREATE TABLE boards (
    id {ID},
    slug TEXT NOT NULL UNIQUE,
    name_nl TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_nl TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Statuses per board: a key, labels, and the colour it maps to (grey, orange, green, red, done).
CREATE TABLE board_statuses (
    board_id BIGINT NOT NULL REFERENCES boards(id),
    key TEXT NOT NULL,
    label_nl TEXT NOT NULL,
    label_en TEXT NOT NULL,
    colour TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    -- How many listed ideas of the board have this status (kept with every change).
    listed_ideas BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (board_id, key)
);

-- Customers. A deleted account keeps its row (so votes stay one per account) without e-mail,
-- password or name. `email` is unique when present.
CREATE TABLE accounts (
    id {ID},
    email TEXT UNIQUE,
    email_verified BIGINT NOT NULL DEFAULT 0,
    password_hash TEXT,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    display_name TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'nl',
    notify_status BIGINT NOT NULL DEFAULT 1,
    notify_reactions BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX accounts_oidc ON accounts (oidc_issuer, oidc_subject);

CREATE TABLE account_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX account_sessions_account ON account_sessions (account_id);

-- An OIDC login in progress: the browser holds only the `state` (in a cookie); the nonce and
-- PKCE verifier stay here, keyed by the state's hash, for ten minutes, used once.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    back TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_logins_expiry ON oidc_logins (expires_at);

-- One-time tokens (e-mail verification), stored hashed.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- `score` is the trending score (sum of vote weights, see wederhoor_core::idea::trend_weight);
-- `listed` is 1 for an idea that shows in lists (not hidden, not merged), so the list indexes
-- can start with it. Counters are kept in the same transaction as the rows they count.
CREATE TABLE ideas (
    id {ID},
    board_id BIGINT NOT NULL REFERENCES boards(id),
    account_id BIGINT REFERENCES accounts(id),
    agent_id BIGINT REFERENCES agents(id),
    author_name TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    colour TEXT NOT NULL,
    votes BIGINT NOT NULL DEFAULT 0,
    reactions BIGINT NOT NULL DEFAULT 0,
    evidence BIGINT NOT NULL DEFAULT 0,
    score {REAL} NOT NULL,
    pinned BIGINT NOT NULL DEFAULT 0,
    listed BIGINT NOT NULL DEFAULT 1,
    hidden TEXT,
    hidden_reason TEXT,
    merged_into BIGINT REFERENCES ideas(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    status_changed_at BIGINT,
    first_staff_answer_at BIGINT
);
CREATE INDEX ideas_board_trending ON ideas (board_id, listed, score, id);
CREATE INDEX ideas_board_new ON ideas (board_id, listed, created_at, id);
CREATE INDEX ideas_board_votes ON ideas (board_id, listed, votes, id);
CREATE INDEX ideas_board_updated ON ideas (board_id, listed, updated_at, id);
CREATE INDEX ideas_board_status ON ideas (board_id, status, listed, score, id);
CREATE INDEX ideas_trending ON ideas (listed, score, id);
CREATE INDEX ideas_new ON ideas (listed, created_at, id);
CREATE INDEX ideas_votes ON ideas (listed, votes, id);
CREATE INDEX ideas_updated ON ideas (listed, updated_at, id);
CREATE INDEX ideas_pinned ON ideas (pinned, listed, updated_at);
CREATE INDEX ideas_account ON ideas (account_id);
CREATE INDEX ideas_merged ON ideas (merged_into);

CREATE TABLE idea_votes (
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    weight {REAL} NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (idea_id, account_id)
);
CREATE INDEX idea_votes_account ON idea_votes (account_id);

CREATE TABLE idea_followers (
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (idea_id, account_id)
);
CREATE INDEX idea_followers_account ON idea_followers (account_id);

-- Reactions: customers (account_id) or staff (agent_id, with a department badge); one level of
-- threading (parent_id points at a top-level reaction).
CREATE TABLE idea_reactions (
    id {ID},
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    parent_id BIGINT REFERENCES idea_reactions(id),
    account_id BIGINT REFERENCES accounts(id),
    agent_id BIGINT REFERENCES agents(id),
    author_name TEXT NOT NULL,
    department TEXT,
    body TEXT NOT NULL,
    hidden TEXT,
    hidden_reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX idea_reactions_idea ON idea_reactions (idea_id, created_at);
CREATE INDEX idea_reactions_account ON idea_reactions (account_id);

CREATE TABLE idea_status_changes (
    id {ID},
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    status TEXT NOT NULL,
    colour TEXT NOT NULL,
    explanation TEXT NOT NULL,
    agent_id BIGINT REFERENCES agents(id),
    agent_name TEXT NOT NULL,
    department TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX idea_status_changes_idea ON idea_status_changes (idea_id, created_at);
CREATE INDEX idea_status_changes_at ON idea_status_changes (created_at);

-- Social messages attached to an idea: their authors count as supporters.
CREATE TABLE idea_evidence (
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    message_id BIGINT NOT NULL REFERENCES messages(id),
    agent_id BIGINT REFERENCES agents(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (idea_id, message_id)
);
CREATE INDEX idea_evidence_message ON idea_evidence (message_id);

CREATE TABLE idea_reports (
    id {ID},
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    reaction_id BIGINT REFERENCES idea_reactions(id),
    account_id BIGINT REFERENCES accounts(id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX idea_reports_open ON idea_reports (resolved_at, created_at);

-- Search: the stemmed terms of each idea's title and text (an inverted index that works the
-- same on both backends).
CREATE TABLE idea_terms (
    term TEXT NOT NULL,
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    PRIMARY KEY (term, idea_id)
);
CREATE INDEX idea_terms_idea ON idea_terms (idea_id);

-- Notification e-mail waiting to be sent (verification, status changes). Written in the same
-- transaction as what it tells about; the mail worker sends it and records the outcome.
CREATE TABLE mail_outbox (
    id {ID},
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
