-- The access log as a hash chain (issue 9, specs/security.md "Access-log chain"): every
-- entry gets a position without gaps and the SHA-256 chain hash over its fields and the
-- previous entry's hash, so that a changed, removed or slipped-in row shows.
ALTER TABLE access_log ADD COLUMN seq BIGINT;   -- chain position 1, 2, 3, ...
ALTER TABLE access_log ADD COLUMN hash BYTEA;   -- chain hash after this entry (32 bytes)
CREATE UNIQUE INDEX access_log_seq ON access_log (seq);

-- The chain's one head row. Every append updates it first, which serialises appenders
-- (a row lock held to the end of the appending transaction) so the chain stays linear.
-- The anchor is where a retention purge cut the beginning off.
CREATE TABLE access_log_chain (
    id             SMALLINT PRIMARY KEY NOT NULL CHECK (id = 1),
    head_seq       BIGINT NOT NULL,
    head_hash      BYTEA NOT NULL,
    anchor_seq     BIGINT NOT NULL,
    anchor_hash    BYTEA NOT NULL,
    legacy_sealed  SMALLINT NOT NULL   -- 1 once rows written before the chain were chained in
);
INSERT INTO access_log_chain (id, head_seq, head_hash, anchor_seq, anchor_hash, legacy_sealed)
VALUES (1, 0, decode(repeat('00', 32), 'hex'), 0, decode(repeat('00', 32), 'hex'), 0);

-- The node's own copy of the signed checkpoints it sent the coordinator.
CREATE TABLE audit_checkpoints (
    seq              BIGINT PRIMARY KEY NOT NULL,  -- 1, 2, 3, ... per node
    entries          BIGINT NOT NULL,              -- chain position covered
    head             BYTEA NOT NULL,               -- chain hash at that position
    at_ms            BIGINT NOT NULL,
    signature        BYTEA NOT NULL,               -- Ed25519, context vrs-checkpoint-v1
    acknowledged_at  BIGINT                        -- when the coordinator confirmed it
);
