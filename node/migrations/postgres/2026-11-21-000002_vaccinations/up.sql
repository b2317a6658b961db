-- Doses (issue 3). One row per dose read at a site or sent in a municipal file, whether it
-- matched a resident (recorded), waits for one (unmatched), or belongs to another
-- municipality (queued/forwarded, with its outbox row). Nothing is ever deleted:
-- corrections and cancellations keep the old values in vaccination_changes.
CREATE TABLE vaccinations (
    id               TEXT PRIMARY KEY NOT NULL,   -- uuid v4
    municipality     TEXT NOT NULL,               -- the coupon's issuing municipality
    coupon_number    TEXT NOT NULL,
    coupon_type      SMALLINT NOT NULL,           -- 券種
    dose_number      SMALLINT NOT NULL,           -- 回数 on the coupon
    atena            TEXT REFERENCES residents (atena),  -- the matched person, if any
    vaccinated_on    TEXT NOT NULL,               -- YYYY-MM-DD
    product          TEXT NOT NULL,               -- product master code
    lot              TEXT NOT NULL,
    site             TEXT NOT NULL,
    doctor           TEXT NOT NULL,
    status           TEXT NOT NULL,               -- recorded, unmatched, queued, forwarded, cancelled
    review           TEXT NOT NULL,               -- none, needs_review, resolved
    warnings         TEXT NOT NULL,               -- JSON [{code, message}]
    source           TEXT NOT NULL,               -- api, or batch:<uuid>
    recorded_by      TEXT NOT NULL,               -- the API user
    idempotency_key  TEXT,                        -- Idempotency-Key of the request, if any
    request_digest   BYTEA NOT NULL,               -- SHA-256 of the request, to tell a retry from a reuse
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX vaccinations_atena ON vaccinations (atena);
CREATE INDEX vaccinations_coupon ON vaccinations (coupon_number, municipality);
CREATE INDEX vaccinations_status ON vaccinations (status);
CREATE INDEX vaccinations_review ON vaccinations (review);
CREATE UNIQUE INDEX vaccinations_idempotency ON vaccinations (recorded_by, idempotency_key);

-- Old values of corrected, cancelled, matched or reviewed doses: the record's history.
CREATE TABLE vaccination_changes (
    id              BIGSERIAL PRIMARY KEY,
    vaccination_id  TEXT NOT NULL REFERENCES vaccinations (id),
    at              BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,                -- corrected, cancelled, matched, reviewed
    reason          TEXT NOT NULL,
    old_values      TEXT NOT NULL                 -- JSON of the fields before the change
);
CREATE INDEX vaccination_changes_vaccination ON vaccination_changes (vaccination_id);

-- Doses for other municipalities' residents, waiting for the federation to deliver them.
-- The message id is the receiver's idempotency key: a sender seals the payload to the
-- target node's key at send time, retries until acknowledged, and the receiver drops a
-- message id it has seen, so each dose arrives exactly once.
CREATE TABLE outbox (
    message_id           TEXT PRIMARY KEY NOT NULL,   -- uuid v4
    vaccination_id       TEXT NOT NULL UNIQUE REFERENCES vaccinations (id),
    target_municipality  TEXT NOT NULL,
    payload              TEXT NOT NULL,               -- JSON dose fields (clear; sealed when sent)
    state                TEXT NOT NULL,               -- pending, sent, acknowledged, cancelled
    attempts             BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    last_attempt_at      BIGINT,
    next_attempt_at      BIGINT NOT NULL,
    acknowledged_at      BIGINT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
