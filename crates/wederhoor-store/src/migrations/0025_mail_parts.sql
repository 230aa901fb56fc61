-- A mail may carry an HTML alternative and one text attachment (the daily summary: HTML with
-- its CSV). Plain mails leave them empty.
ALTER TABLE mail_outbox ADD COLUMN html TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_text TEXT;
