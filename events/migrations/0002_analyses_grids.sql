-- Analysis results per revision, and the 叫应 / 实报反馈 state per grid.

-- One row per (revision, dataset version, access): a reload adds rows for the new
-- version instead of overwriting, so a figure can be traced to the data it came
-- from. `access` is `public` or `personal`: the public result is computed with
-- public access (never a filtered personal one) and served to uncleared callers.
CREATE TABLE event_analyses (
    event_id TEXT NOT NULL REFERENCES events (id),
    revision BIGINT NOT NULL,
    dataset_version TEXT NOT NULL,
    access TEXT NOT NULL,
    -- `done` (result set) or `failed` (error set).
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    computed_at TEXT NOT NULL,
    -- Unix nanoseconds of computed_at: orders recomputes exactly.
    computed_ns BIGINT NOT NULL,
    PRIMARY KEY (event_id, revision, dataset_version, access)
);

-- Keyed by grid code, not by revision: a warning's update or a dataset reload keeps
-- what was called, answered and reported.
CREATE TABLE grid_state (
    event_id TEXT NOT NULL REFERENCES events (id),
    grid_code TEXT NOT NULL,
    called_at TEXT,
    called_by TEXT,
    answered_at TEXT,
    persons_moved BIGINT,
    note TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (event_id, grid_code)
);
