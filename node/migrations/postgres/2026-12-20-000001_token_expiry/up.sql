-- Every API token expires (issue 9). Tokens issued before expiry existed are given the
-- default lifetime (90 days) from their creation; `user renew-token` issues a new one.
ALTER TABLE users ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;  -- unix seconds
UPDATE users SET expires_at = created_at + 7776000;
