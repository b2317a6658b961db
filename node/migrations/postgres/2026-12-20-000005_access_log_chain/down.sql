DROP TABLE audit_checkpoints;
DROP TABLE access_log_chain;
DROP INDEX access_log_seq;
ALTER TABLE access_log DROP COLUMN hash;
ALTER TABLE access_log DROP COLUMN seq;
