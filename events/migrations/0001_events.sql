-- Events and their append-only history. One SQL text for SQLite and PostgreSQL:
-- TEXT, BIGINT and no database-generated keys, so both read it alike.

-- One row per event: its current revision and what the list and the expiry sweep
-- filter on. Everything else is in the revision's state.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    -- Reports of one happening (an earthquake's report id, a fire's source id).
    group_key TEXT UNIQUE,
    revision BIGINT NOT NULL,
    -- Unix seconds of the current state's `expires`, for close_expired.
    expires_at BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX events_by_status ON events (status, expires_at);

-- Every revision, never updated: the whole state after it and who made it.
-- Later tables (analysis results, grid_state for 叫应) key on (event_id, revision).
CREATE TABLE event_revisions (
    event_id TEXT NOT NULL REFERENCES events (id),
    revision BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_key TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (event_id, revision)
);

-- Every message ingested, by its identity (CAP identifier, sender, sent in UTC): a
-- resend is found here, and so are the messages an Update or Cancel refers to.
CREATE TABLE event_messages (
    sender TEXT NOT NULL,
    identifier TEXT NOT NULL,
    sent TEXT NOT NULL,
    event_id TEXT NOT NULL REFERENCES events (id),
    revision BIGINT NOT NULL,
    PRIMARY KEY (sender, identifier, sent)
);
