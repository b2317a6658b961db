-- Web pages (issue 8): passwords set by an admin, browser sessions, a site's settings of the day.

-- A user's password as an argon2id PHC string (salt and parameters inside). Apart from
-- `users` so that a token-only user has no row and the API's token table stays as it is.
CREATE TABLE user_passwords (
    user_id  BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    hash     TEXT NOT NULL,
    set_at   BIGINT NOT NULL,
    set_by   TEXT NOT NULL
);

-- One signed-in browser. Only the SHA-256 of the cookie's random token is stored, so a
-- copy of the database opens no session. A session ends at `expires_at` (absolute) or
-- when unused for the idle timeout after `last_seen_at`, whichever comes first.
CREATE TABLE web_sessions (
    token_hash    BYTEA PRIMARY KEY NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    method        TEXT NOT NULL,            -- password | token
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- What a vaccination site enters once a day (site, doctor, product, lot), per user and
-- day (JST), so that a new session on the same day starts where the last one left off.
CREATE TABLE site_day_settings (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    day         TEXT NOT NULL,              -- YYYY-MM-DD
    site        TEXT NOT NULL,
    doctor      TEXT NOT NULL,
    product     TEXT NOT NULL,
    lot         TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- The site menu's list of today's entries: one user's doses, newest first.
CREATE INDEX vaccinations_recorded_by_time ON vaccinations (recorded_by, created_at);
