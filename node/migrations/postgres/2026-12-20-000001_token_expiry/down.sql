ALTER TABLE users DROP COLUMN expires_at;
