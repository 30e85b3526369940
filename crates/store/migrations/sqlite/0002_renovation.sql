-- What the domain computes of each ticket, kept beside it so lists filter by stored
-- columns: the kind of the nearest running deadline, and the desk lane (running,
-- no_deadline, deadlines_met, finished). The backfill below is a one-time copy of the
-- domain's rule for rows written before these columns existed.
ALTER TABLE tickets ADD COLUMN next_due_kind TEXT;
ALTER TABLE tickets ADD COLUMN desk_lane TEXT NOT NULL DEFAULT 'running';
UPDATE tickets SET next_due_kind = (
    SELECT d.kind FROM ticket_deadlines d
    WHERE d.ticket_id = tickets.id AND d.met_at IS NULL ORDER BY d.due_at LIMIT 1)
WHERE next_due_at IS NOT NULL;
UPDATE tickets SET desk_lane = CASE
    WHEN status IN ('resolved', 'closed', 'cancelled') THEN 'finished'
    WHEN next_due_at IS NOT NULL THEN 'running'
    WHEN EXISTS (SELECT 1 FROM ticket_deadlines d WHERE d.ticket_id = tickets.id) THEN 'deadlines_met'
    ELSE 'no_deadline' END;
CREATE INDEX tickets_lane ON tickets (desk_lane, id);

-- Messages to send, written in the same transaction as the change that causes them and
-- sent by the jobs runner with retries (kind: inbox, …; payload: JSON).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    dedupe_key       TEXT    CONSTRAINT outbox_dedupe_key UNIQUE,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    sent_at          INTEGER,
    failed_at        INTEGER,
    last_error       TEXT,
    locked_by        TEXT,
    locked_until     INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The in-app inbox: what a person is told. One message per outbox entry at most.
CREATE TABLE inbox_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    outbox_id   INTEGER CONSTRAINT inbox_messages_outbox_key UNIQUE REFERENCES outbox (id),
    subject     TEXT    NOT NULL,
    body        TEXT,
    link        TEXT,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX inbox_messages_user ON inbox_messages (user_id, id);

-- Periodic jobs: whoever holds a job's lease runs it; the lease expires, so a dead
-- instance's job is taken over.
CREATE TABLE job_leases (
    name         TEXT    PRIMARY KEY,
    holder       TEXT    NOT NULL,
    lease_until  INTEGER NOT NULL,
    last_run_at  INTEGER NOT NULL
);
