-- The customer's journey (#12): a reply keeps the signature it goes out with (the agent's name
-- as the channel's signature policy wants it), so what the connectors send and what an agent
-- copies for manual delivery is the same text. NULL (older replies): the agent's display name.
ALTER TABLE replies ADD COLUMN signature TEXT;
-- Reach that grows brings a lead in (never a higher place in the queue): why and when the case
-- was flagged for a lead.
ALTER TABLE conversations ADD COLUMN lead_flag TEXT;
ALTER TABLE conversations ADD COLUMN lead_flag_at BIGINT;
-- The earlier contacts of an author: their conversations, and the same handle on other sources.
-- `handle_key` is the handle without platform decoration (`wederhoor_core::channel::handle_key`:
-- `@Sanne@mastodon.nl`, `@sanne.bsky.social` and `sanne` are all `sanne`); older rows get the
-- lower-case handle without its leading `@`.
ALTER TABLE authors ADD COLUMN handle_key TEXT;
UPDATE authors SET handle_key = ltrim(lower(handle), '@');
CREATE INDEX conversations_author ON conversations (author_id);
CREATE INDEX authors_contact_key ON authors (handle_key);
