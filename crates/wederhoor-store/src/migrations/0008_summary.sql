-- The daily summary counts by time: the day's messages, the cases opened, the replies written
-- and the cases closed (audit entries) are each read through an index on their time.
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX conversations_created ON conversations (created_at);
CREATE INDEX replies_created ON replies (created_at);
CREATE INDEX audit_action_at ON audit_log (action, at);
