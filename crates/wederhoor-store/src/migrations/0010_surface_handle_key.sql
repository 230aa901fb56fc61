-- A person is found by any spelling of their handle (with or without '@', any ASCII letter
-- case: wederhoor_core::handle::handle_key); the privacy lookup reads authors through this key.
CREATE INDEX authors_handle_key ON authors (source_id, lower(ltrim(handle, '@')));
