-- The coordinator's store. Nothing here is personal: envelopes are sealed to the
-- recipient node's key, which the coordinator does not hold. specs/coordinator-data.md
-- classifies every column. Times are unix milliseconds (UTC).

-- Every registry version ever signed; the highest is current.
CREATE TABLE registry_versions (
    version INTEGER PRIMARY KEY NOT NULL,
    signed BLOB NOT NULL,          -- postcard(SignedRegistry)
    issued_at_ms BIGINT NOT NULL
);

-- Enrolled nodes. A revoked node keeps its row (revoked_at set) for the record.
CREATE TABLE nodes (
    municipality TEXT PRIMARY KEY NOT NULL,
    peer_id BLOB NOT NULL,
    signing_key BLOB NOT NULL,
    encryption_key BLOB NOT NULL,
    enrollment TEXT NOT NULL,      -- the self-signed enrollment.json, kept as evidence
    enrolled_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT,
    last_seen_ms BIGINT
);
CREATE UNIQUE INDEX nodes_active_peer ON nodes (peer_id) WHERE revoked_at_ms IS NULL;

-- Store and forward: sealed envelopes waiting for an offline recipient, delivered
-- oldest first (seq). (sender, message_id) is unique so a sender's retry is stored once.
CREATE TABLE queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    message_id BLOB NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    kind INTEGER NOT NULL,
    envelope BLOB NOT NULL,
    created_at_ms BIGINT NOT NULL, -- from the envelope header: decides expiry
    enqueued_at_ms BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at_ms BIGINT
);
CREATE UNIQUE INDEX queue_sender_message ON queue (sender, message_id);
CREATE INDEX queue_recipient ON queue (recipient, seq);
CREATE INDEX queue_created ON queue (created_at_ms);

-- What was routed where, when, and how it ended: header metadata only.
CREATE TABLE routing_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    message_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    size INTEGER NOT NULL,
    at_ms BIGINT NOT NULL,
    elapsed_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX routing_log_at ON routing_log (at_ms);

-- API users (role national). Only the SHA-256 of each token is kept.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at_ms BIGINT NOT NULL,
    disabled_at_ms BIGINT
);
