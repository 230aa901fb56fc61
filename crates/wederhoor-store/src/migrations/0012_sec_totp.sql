-- Security (#14): TOTP as a second factor for staff password logins. The secret is sealed at
-- rest like other secrets; it only counts once confirmed (`totp_on`); `totp_last_step` is the
-- last time step used, so a code is never accepted twice.
ALTER TABLE agents ADD COLUMN totp_secret TEXT;
ALTER TABLE agents ADD COLUMN totp_on BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN totp_last_step BIGINT;
-- A session that has passed the password but not yet the code: it opens no page.
ALTER TABLE sessions ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;
