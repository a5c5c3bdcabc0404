-- The wall screen's publication, one row per publish or clear; the newest row is
-- what the wall shows. Its revision is the row's key, so it only grows, across
-- restarts and replicas. `published` is the publication as JSON (computed with
-- public access by the server), NULL for a clear. `key_name` says who did it and
-- is never served.
CREATE TABLE wall_publications (
    revision BIGINT PRIMARY KEY,
    published TEXT,
    recorded_at TEXT NOT NULL,
    key_name TEXT NOT NULL
);
