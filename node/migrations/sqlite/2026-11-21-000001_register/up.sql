-- The resident register. One row per person; the active coupon lives on the row so that
-- a first import writes two rows per person (resident, My Number), not three.
CREATE TABLE residents (
    atena          TEXT PRIMARY KEY NOT NULL,
    family_name    TEXT NOT NULL,
    given_name     TEXT NOT NULL,
    family_kana    TEXT NOT NULL,
    given_kana     TEXT NOT NULL,
    birth_date     TEXT NOT NULL,          -- YYYY-MM-DD
    sex            SMALLINT NOT NULL,      -- ISO 5218
    status         SMALLINT NOT NULL,      -- 0 active, 1 moved out, 2 deceased, 3 removed
    coupon_number  TEXT NOT NULL,          -- the active coupon (unique among active coupons)
    row_digest     BLOB NOT NULL,          -- keyed digest of the last imported row (idempotent re-import)
    import_id      BIGINT NOT NULL,        -- the import that last wrote or confirmed this row
    import_line    BIGINT NOT NULL,        -- its line in that file (to point at in-file duplicates)
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX residents_coupon ON residents (coupon_number);
CREATE INDEX residents_kana_birth ON residents (family_kana, birth_date);

-- Coupons no longer active (reissued). Kept so a site reading an old coupon finds the person.
CREATE TABLE coupon_history (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    atena           TEXT NOT NULL REFERENCES residents (atena),
    coupon_number   TEXT NOT NULL,
    deactivated_at  BIGINT NOT NULL,
    import_id       BIGINT NOT NULL
);
CREATE INDEX coupon_history_number ON coupon_history (coupon_number);
CREATE INDEX coupon_history_atena ON coupon_history (atena);

-- My Number, apart from every other personal field: AES-256-GCM sealed (nonce || ciphertext,
-- the atena as associated data) and found through an HMAC, joined only by the atena.
CREATE TABLE my_numbers (
    atena        TEXT PRIMARY KEY NOT NULL REFERENCES residents (atena),
    lookup_hash  BLOB NOT NULL,
    sealed       BLOB NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX my_numbers_lookup ON my_numbers (lookup_hash);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,       -- SHA-256 of the token; the token itself is never stored
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE imports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    actor          TEXT NOT NULL,
    mode           TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    rows_inserted  BIGINT NOT NULL DEFAULT 0,
    rows_updated   BIGINT NOT NULL DEFAULT 0,
    rows_unchanged BIGINT NOT NULL DEFAULT 0,
    rows_rejected  BIGINT NOT NULL DEFAULT 0
);

-- Who touched which person's data, when and why. Never holds a My Number, name or birth date.
CREATE TABLE access_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    atena   TEXT,
    detail  TEXT
);
CREATE INDEX access_log_atena ON access_log (atena);
