-- PostgreSQL's migration of this version gives every text column COLLATE "C". SQLite
-- compares text byte by byte already (its BINARY collation, the default of every column
-- here), so there is nothing to change; the version exists so both backends carry the same
-- steps (db::migration_tests).
SELECT 1;
