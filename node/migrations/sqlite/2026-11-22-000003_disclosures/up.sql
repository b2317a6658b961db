-- Transfer-in inquiries answered by this node (issue 5).

-- Residents under a support measure (DV等支援措置): an inquiry about them is answered
-- "withheld" and waits in the review queue; nothing about them leaves automatically.
CREATE TABLE protected_residents (
    atena   TEXT PRIMARY KEY NOT NULL REFERENCES residents (atena),
    since   BIGINT NOT NULL,
    set_by  TEXT NOT NULL           -- the staff user who set the flag
);

-- Every answer this node gave about one of its residents to another municipality:
-- which node asked, on what basis, and what left (or that it was withheld). The
-- resident's own disclosure record (GET /api/v1/residents/{atena}/disclosures).
CREATE TABLE disclosures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    inquiry_id   TEXT NOT NULL,     -- the asker's inquiry id (uuid)
    atena        TEXT NOT NULL REFERENCES residents (atena),
    asker        TEXT NOT NULL,     -- the asking municipality's code
    basis        TEXT NOT NULL,     -- consent | consent_impracticable
    method       TEXT NOT NULL,     -- how consent was obtained (a word)
    asker_staff  TEXT NOT NULL,     -- the asking desk's user, as the signed statement names it
    outcome      TEXT NOT NULL,     -- disclosed | withheld
    doses        BIGINT NOT NULL,   -- how many doses the answer carried
    at           BIGINT NOT NULL,
    review       TEXT NOT NULL,     -- none | pending (withheld, to be looked at) | done
    reviewed_by  TEXT,
    reviewed_at  BIGINT,
    review_note  TEXT
);
CREATE INDEX disclosures_atena ON disclosures (atena);
CREATE INDEX disclosures_review ON disclosures (review);
