-- Contacts (#12): a contact links the authors of one person across sources. Every author belongs
-- to exactly one contact. A contact of one author is implicit: the author's `contact_id` is NULL
-- and the contact's id is the author's id (nothing is written at ingest). Merging makes a
-- `contacts` row whose id is the id of one of its authors (the one it was made from, or the
-- lowest that remains after an unmerge), and sets `contact_id` on every author in it; a row
-- always has at least two authors and always contains the author with its id. The effective
-- contact of an author is `COALESCE(contact_id, id)`.
ALTER TABLE contacts ADD COLUMN merged_by BIGINT;
CREATE INDEX authors_contact ON authors (contact_id) WHERE contact_id IS NOT NULL;
-- Suggestions by name (lower case; only names of two words or more are compared).
CREATE INDEX authors_name_key ON authors (lower(name));
-- One handle key (wederhoor_core::handle::handle_key, stored as authors.handle_key and indexed
-- by authors_contact_key) now finds the person for the privacy lookup too (checked by spelling
-- there), so the expression index of migration 10 is one index fewer to keep at ingest.
DROP INDEX authors_handle_key;
