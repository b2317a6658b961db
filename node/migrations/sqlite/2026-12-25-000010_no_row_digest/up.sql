-- A re-import decides "unchanged" by comparing the stored fields themselves (the
-- residents row, and the My Number through its look-up hash), so the keyed digest of
-- the last imported row is no longer kept. Computing it was a quarter of a first load's
-- parser thread (specs/benchmarks.md, "The row digest"). SQLite rewrites the table.
ALTER TABLE residents DROP COLUMN row_digest;
