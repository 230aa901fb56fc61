-- Alerts of the live burst detector and the incidents made of them (issue #13).
-- `wave_key` makes storing idempotent: every node (and a restart that replays the last hours)
-- that sees the same wave open on the same key in the same ten minutes stores one row.
-- `keys` holds the detector keys of the wave (hex, space separated), so later messages that share
-- one join the alert and its incident.
CREATE TABLE IF NOT EXISTS burst_alerts (
    id {ID},
    wave_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    topic TEXT,
    opened_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    sample TEXT NOT NULL,
    keys TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    decided_by BIGINT REFERENCES agents(id),
    decided_at BIGINT
);
CREATE INDEX IF NOT EXISTS burst_alerts_state ON burst_alerts (state, last_at);
CREATE INDEX IF NOT EXISTS burst_alerts_last ON burst_alerts (last_at);

CREATE TABLE IF NOT EXISTS burst_alert_messages (
    alert_id BIGINT NOT NULL REFERENCES burst_alerts(id),
    message_id BIGINT NOT NULL REFERENCES messages(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (alert_id, message_id)
);
CREATE INDEX IF NOT EXISTS burst_alert_messages_message ON burst_alert_messages (message_id);

CREATE TABLE IF NOT EXISTS incidents (
    id {ID},
    alert_id BIGINT NOT NULL UNIQUE REFERENCES burst_alerts(id),
    title TEXT NOT NULL,
    warning TEXT NOT NULL,
    reply TEXT NOT NULL,
    public BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'open',
    outcome TEXT,
    created_by BIGINT REFERENCES agents(id),
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX IF NOT EXISTS incidents_state ON incidents (state, created_at);

-- The incident's timeline: made, published, withdrawn, messages joined (one row per quarter of
-- an hour, counted), closed.
CREATE TABLE IF NOT EXISTS incident_events (
    id {ID},
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 0,
    actor_id BIGINT REFERENCES agents(id),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS incident_events_incident ON incident_events (incident_id, at);
