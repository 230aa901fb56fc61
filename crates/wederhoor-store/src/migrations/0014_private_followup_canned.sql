-- Take it private in the same case (#12): a reply may go out as a direct message whatever the
-- case state (1), in public (0), or as the case state says (NULL, every older reply).
ALTER TABLE replies ADD COLUMN direct BIGINT;
-- One-time links to the public call-back form: the token is stored hashed; a link works once,
-- until it expires, and while its case is open (closing the case closes it). The phone number
-- and the good time are personal data (the privacy export and erasure cover them).
CREATE TABLE callback_links (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    closed_at BIGINT,
    phone TEXT,
    good_time TEXT
);
CREATE INDEX callback_links_conversation ON callback_links (conversation_id);
-- Canned replies per topic and language, kept by leads and admins; `{naam}`/`{name}`,
-- `{medewerker}`/`{agent}` and `{link}` are filled in when an agent inserts one.
CREATE TABLE canned_replies (
    id {ID},
    topic TEXT NOT NULL,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX canned_replies_topic ON canned_replies (topic, lang);
