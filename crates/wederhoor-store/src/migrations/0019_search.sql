-- Search (issue 12): the full-text index over messages (with their author) and notes. Its DDL
-- differs per backend (an FTS5 table on SQLite, a tsvector column with a GIN index on
-- PostgreSQL; see search.rs), so the placeholder below is filled in per backend. The migration
-- that holds it also indexes what is already stored, in the same transaction.
{SEARCH_INDEX};
