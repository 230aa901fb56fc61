-- Which node runs a listening source (issue #11): one holder per source, renewed while it runs.
-- A lease whose expires_at (UTC milliseconds) has passed may be taken by another node.
CREATE TABLE source_leases (
    source_id BIGINT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
