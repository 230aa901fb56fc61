-- Attachments of stored messages (e-mail). `content` is NULL when the attachment was over the
-- connector's size limits: it is then recorded (name, type, size) without its bytes.
CREATE TABLE attachments (
    id {ID},
    message_id BIGINT NOT NULL REFERENCES messages(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    content {BLOB}
);
CREATE INDEX attachments_message ON attachments (message_id);
