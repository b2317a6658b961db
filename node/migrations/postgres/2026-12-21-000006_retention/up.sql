-- Retention (issue 9): one row per completed purge run, so that a node restarted more often
-- than its purge interval still purges on time. What each run deleted is in its receipts in
-- the access log (action retention.purged).
CREATE TABLE retention_runs (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,   -- when the run finished (unix seconds)
    cutoff    TEXT NOT NULL      -- YYYY-MM-DD: doses vaccinated before it were purged
);
