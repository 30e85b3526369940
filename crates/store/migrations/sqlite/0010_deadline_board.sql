-- The manager's board (R6.1–R6.3): the open deadlines in due order, read a page at a time
-- from an index that holds only unmet deadlines (met ones are history and the bulk of the
-- table); the same by deadline kind, for the board's most common filter; and the cause a
-- manager records for each breached deadline.

CREATE INDEX ticket_deadlines_open ON ticket_deadlines (due_at, ticket_id, kind)
    WHERE met_at IS NULL;
CREATE INDEX ticket_deadlines_open_kind ON ticket_deadlines (kind, due_at, ticket_id)
    WHERE met_at IS NULL;

CREATE TABLE deadline_breach_causes (
    ticket_id    BIGINT  NOT NULL,
    kind         TEXT    NOT NULL,
    -- no_technician_free, travel, customer_unreachable, waiting_for_parts, wrong_region,
    -- recorded_late, other
    category     TEXT    NOT NULL,
    note         TEXT,
    recorded_by  BIGINT  NOT NULL REFERENCES users (id),
    recorded_at  BIGINT  NOT NULL,
    version      BIGINT  NOT NULL DEFAULT 1,
    PRIMARY KEY (ticket_id, kind),
    FOREIGN KEY (ticket_id, kind) REFERENCES ticket_deadlines (ticket_id, kind) ON DELETE CASCADE
);
