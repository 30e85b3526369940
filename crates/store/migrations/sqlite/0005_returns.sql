-- Returns (R2.2, R2.5): a request to return a unit, on a ground, with the eligibility the
-- domain decided from the unit's coverage on the request date (kept as decided, as JSON,
-- with its rule), the service manager's decision and the losses borne.
CREATE TABLE returns (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          INTEGER NOT NULL CONSTRAINT returns_unit_fkey REFERENCES units (id),
    ticket_id        INTEGER CONSTRAINT returns_ticket_fkey REFERENCES tickets (id),
    ground           TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    confirmation     TEXT,
    requested_on     TEXT    NOT NULL,
    requested_by     INTEGER NOT NULL CONSTRAINT returns_requested_by_fkey REFERENCES users (id),
    status           TEXT    NOT NULL,
    rule             TEXT    NOT NULL,
    eligibility      TEXT    NOT NULL,
    decided_by       INTEGER CONSTRAINT returns_decided_by_fkey REFERENCES users (id),
    decided_at       INTEGER,
    decision_reason  TEXT,
    losses_fen       INTEGER,
    losses_note      TEXT,
    losses_borne_by  TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX returns_status ON returns (status, id);
CREATE INDEX returns_unit ON returns (unit_id, id);
