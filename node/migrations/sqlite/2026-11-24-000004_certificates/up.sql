-- Vaccination certificates (issue 7): revocations of SMART Health Cards.

-- A correction or cancellation of one of a person's doses revokes the cards issued before
-- it: the person's rid (a keyed hash of the atena, never the atena itself) with the time,
-- published in /.well-known/crl/{kid}.json. Rows are never deleted, so the count is the
-- list's ever-growing ctr.
CREATE TABLE certificate_revocations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    rid            TEXT NOT NULL,     -- base64url of 64 bits of HMAC-SHA256(node key, atena)
    revoked_at     BIGINT NOT NULL,   -- unix seconds; cards with an earlier nbf are revoked
    reason         TEXT NOT NULL,     -- corrected | cancelled
    vaccination_id TEXT NOT NULL      -- the dose whose change revoked the cards
);
CREATE INDEX certificate_revocations_rid ON certificate_revocations (rid);
