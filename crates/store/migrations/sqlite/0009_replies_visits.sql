-- Complaints, consultations and correspondence after their first answer (R1.3, R3.3, R3.5,
-- R3.7, R3.10): the customer's response to the current handling opinion, the flag for the
-- quality review, how the reply was sent, who wrote it, and its review. One row per ticket
-- that has any of these; most tickets have none.
CREATE TABLE ticket_answers (
    ticket_id              INTEGER PRIMARY KEY CONSTRAINT ticket_answers_ticket_fkey REFERENCES tickets (id) ON DELETE CASCADE,
    opinion_response       TEXT,
    opinion_response_text  TEXT,
    opinion_response_by    INTEGER CONSTRAINT ticket_answers_response_by_fkey REFERENCES users (id),
    opinion_response_at    INTEGER,
    quality_flagged_at     INTEGER,
    quality_flagged_by     INTEGER CONSTRAINT ticket_answers_flagged_by_fkey REFERENCES users (id),
    quality_reason         TEXT,
    reply_sent_via         TEXT,
    reply_by               INTEGER CONSTRAINT ticket_answers_reply_by_fkey REFERENCES users (id),
    reply_correct          INTEGER,
    reply_review_comment   TEXT,
    reply_reviewed_by      INTEGER CONSTRAINT ticket_answers_reviewed_by_fkey REFERENCES users (id),
    reply_reviewed_at      INTEGER
);
CREATE INDEX ticket_answers_quality ON ticket_answers (quality_flagged_at) WHERE quality_flagged_at IS NOT NULL;
CREATE INDEX ticket_answers_unreviewed ON ticket_answers (ticket_id) WHERE reply_by IS NOT NULL AND reply_reviewed_at IS NULL;
-- The month's consultations and letters, for the reply rates.
CREATE INDEX tickets_kind_received ON tickets (kind, received_at);

-- Visitors and customer trainees (R3.6), with the questions asked and the answers given.
CREATE TABLE visits (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    visitors      TEXT    NOT NULL,
    organisation  TEXT,
    customer_id   INTEGER CONSTRAINT visits_customer_fkey REFERENCES customers (id),
    arrived_at    INTEGER NOT NULL,
    left_at       INTEGER,
    host_id       INTEGER NOT NULL CONSTRAINT visits_host_fkey REFERENCES users (id),
    purpose       TEXT    NOT NULL,
    created_by    INTEGER NOT NULL CONSTRAINT visits_created_by_fkey REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX visits_arrived ON visits (arrived_at, id);
CREATE INDEX visits_host ON visits (host_id, arrived_at);
CREATE TABLE visit_questions (
    visit_id  INTEGER NOT NULL CONSTRAINT visit_questions_visit_fkey REFERENCES visits (id) ON DELETE CASCADE,
    ordinal   INTEGER NOT NULL,
    question  TEXT    NOT NULL,
    answer    TEXT    NOT NULL,
    PRIMARY KEY (visit_id, ordinal)
);
