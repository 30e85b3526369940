-- The deadline engine: versioned deadline policies (targets, business calendars, watch
-- rules) as JSON documents; each deadline keeps what it was computed from, when its owner
-- is warned, whether its clock is paused, and what the watcher has done about it; the
-- pauses of a ticket while it waits for the customer.

CREATE TABLE deadline_policies (
    version     BIGINT  PRIMARY KEY,
    -- The policy as JSON; NULL for version 0, the built-in company policy.
    body        TEXT,
    note        TEXT,
    created_by  BIGINT  REFERENCES users (id),
    created_at  BIGINT  NOT NULL
);
INSERT INTO deadline_policies (version, body, note, created_by, created_at)
VALUES (0, NULL, NULL, NULL, 0);

-- basis: JSON of what the due time was computed from (NULL for deadlines written before
-- this migration: they were computed by the built-in policy from the received time).
ALTER TABLE ticket_deadlines ADD COLUMN warn_at BIGINT;
ALTER TABLE ticket_deadlines ADD COLUMN paused_since BIGINT;
ALTER TABLE ticket_deadlines ADD COLUMN basis TEXT;
ALTER TABLE ticket_deadlines ADD COLUMN policy_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ticket_deadlines ADD COLUMN warned_at BIGINT;
ALTER TABLE ticket_deadlines ADD COLUMN escalated_at BIGINT;
ALTER TABLE ticket_deadlines ADD COLUMN escalated_again_at BIGINT;
-- When the watcher next looks at this deadline; NULL: nothing more to do (met, paused,
-- finished, every step done).
ALTER TABLE ticket_deadlines ADD COLUMN next_alarm_at BIGINT;

UPDATE ticket_deadlines SET warn_at = due_at - (due_at - (
    SELECT t.received_at FROM tickets t WHERE t.id = ticket_deadlines.ticket_id)) / 4;
UPDATE ticket_deadlines SET next_alarm_at = warn_at
WHERE met_at IS NULL AND ticket_id IN (
    SELECT id FROM tickets WHERE status NOT IN ('resolved', 'closed', 'cancelled'));

CREATE INDEX ticket_deadlines_alarm ON ticket_deadlines (next_alarm_at)
    WHERE next_alarm_at IS NOT NULL;

CREATE TABLE ticket_pauses (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT  NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    from_at     BIGINT  NOT NULL,
    to_at       BIGINT,
    reason      TEXT    NOT NULL,
    resume_to   TEXT    NOT NULL
);
CREATE UNIQUE INDEX ticket_pauses_ticket ON ticket_pauses (ticket_id, from_at);
ALTER TABLE tickets ADD COLUMN pause_count BIGINT NOT NULL DEFAULT 0;
