-- Customer panels (#13): customers with an account join the consumer or the business panel
-- (`panel`: consumer, business); leads ask one panel a question (`kind`: scale 0–10, choice
-- among `choices` (one per line), or free text); each member answers once (UNIQUE per question
-- and account; an erased account's answers stay counted with `account_id` NULL and no text);
-- `state`: open (members answer), published (closed to answers; counts, chart and `conclusion`
-- shown on the feedback page next to the linked ideas in `panel_question_ideas`).
CREATE TABLE panel_members (
    panel TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (panel, account_id)
);
CREATE INDEX panel_members_account ON panel_members (account_id);
CREATE TABLE panel_questions (
    id {ID},
    panel TEXT NOT NULL,
    title TEXT NOT NULL,
    question TEXT NOT NULL,
    kind TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    conclusion TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    published_by BIGINT,
    published_at BIGINT
);
CREATE INDEX panel_questions_state ON panel_questions (state, published_at);
CREATE TABLE panel_question_ideas (
    question_id BIGINT NOT NULL,
    idea_id BIGINT NOT NULL,
    PRIMARY KEY (question_id, idea_id)
);
CREATE INDEX panel_question_ideas_idea ON panel_question_ideas (idea_id);
CREATE TABLE panel_answers (
    id {ID},
    question_id BIGINT NOT NULL,
    account_id BIGINT,
    value BIGINT,
    text TEXT,
    answered_at BIGINT NOT NULL,
    UNIQUE (question_id, account_id)
);
-- Incident warnings posted on our own accounts (#13): one row per incident and source (so a
-- second "post" queues nothing new). The post is a reply in the outbox on a conversation of its
-- own on that source (`origin` 'incident_post', closed, no messages): delivery, retries and
-- failures are the outbox's, shown on that conversation's page.
CREATE TABLE incident_posts (
    id {ID},
    incident_id BIGINT NOT NULL,
    source_id BIGINT NOT NULL,
    conversation_id BIGINT,
    reply_id BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (incident_id, source_id)
);
