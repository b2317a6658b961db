-- Every API token expires (issue 9). Tokens issued before expiry existed are given the
-- default lifetime (90 days) from their creation; `user renew-token` issues a new one.
ALTER TABLE users ADD COLUMN expires_at_ms BIGINT NOT NULL DEFAULT 0;
UPDATE users SET expires_at_ms = created_at_ms + 7776000000;
