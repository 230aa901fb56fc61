-- Escalations that reach a lead (issue #12): one per case and kind (press, legal, viral,
-- repeat), with an owner, a state (open, acknowledged, done), the time of the first action
-- (acknowledged or a checklist item ticked) and the checklist's ticked items.
CREATE TABLE IF NOT EXISTS escalations (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    owner_id BIGINT REFERENCES agents(id),
    reason TEXT NOT NULL,
    -- The case's text with personal data masked, as the notifications show it.
    snippet TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    first_action_at BIGINT,
    closed_at BIGINT,
    UNIQUE (conversation_id, kind)
);
CREATE INDEX IF NOT EXISTS escalations_state ON escalations (state, created_at);

CREATE TABLE IF NOT EXISTS escalation_checks (
    escalation_id BIGINT NOT NULL REFERENCES escalations(id),
    item TEXT NOT NULL,
    done_by BIGINT REFERENCES agents(id),
    done_at BIGINT NOT NULL,
    PRIMARY KEY (escalation_id, item)
);

-- The leads' watchlist: handles of journalists, columnists, bloggers and other voices whose
-- posts are treated like press. `handle_key` as in `authors.handle_key`.
CREATE TABLE IF NOT EXISTS watchlist (
    id {ID},
    handle_key TEXT NOT NULL UNIQUE,
    handle TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    added_by BIGINT REFERENCES agents(id),
    created_at BIGINT NOT NULL
);

-- Outgoing notification webhooks (Slack/Mattermost/Teams `{"text": …}`), written in the same
-- transaction as what they tell about and sent by the webhook worker like `mail_outbox`.
CREATE TABLE IF NOT EXISTS webhook_outbox (
    id {ID},
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (state, next_attempt_at);
