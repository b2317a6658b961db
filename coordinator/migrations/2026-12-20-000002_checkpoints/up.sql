-- Audit checkpoints (issue 9): each node's signed access-log chain heads, kept as received
-- so that the node's operator cannot rewrite the node's access log unnoticed. A position, a
-- hash and a time: nothing personal. Never deleted or replaced.
CREATE TABLE checkpoints (
    municipality    TEXT NOT NULL,
    seq             BIGINT NOT NULL,     -- the node's checkpoint number
    entries         BIGINT NOT NULL,     -- access-log position covered
    head            BLOB NOT NULL,       -- SHA-256 chain hash at that position
    at_ms           BIGINT NOT NULL,     -- when the node made it
    signature       BLOB NOT NULL,       -- Ed25519 by the node's registry key (vrs-checkpoint-v1)
    signing_key     BLOB NOT NULL,       -- the registry key it verified against when received
    received_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (municipality, seq)
);
