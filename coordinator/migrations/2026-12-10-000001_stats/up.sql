-- National statistics: each node's last reported figures (counts only, never a person)
-- and each refresh. specs/coordinator-data.md classifies every column.

-- The newest figures of each node. A node that misses a refresh keeps its row (stale).
CREATE TABLE node_stats (
    municipality TEXT PRIMARY KEY NOT NULL,
    computed_at_ms BIGINT NOT NULL,   -- when the node computed them: their as_of
    received_at_ms BIGINT NOT NULL,
    doses_total BIGINT NOT NULL,
    figures BLOB NOT NULL             -- postcard(StatsAnswer): count cells
);

-- One row per refresh (scheduled or asked for).
CREATE TABLE stats_refreshes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    started_at_ms BIGINT NOT NULL,
    finished_at_ms BIGINT NOT NULL,
    nodes_reported INTEGER NOT NULL,
    nodes_missing TEXT NOT NULL       -- JSON array of municipality codes
);
