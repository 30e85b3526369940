-- Returns (R2.2, R2.5): a request to return a unit, on a ground, with the eligibility the
-- domain decided from the unit's coverage on the request date (kept as decided, as JSON,
-- with its rule), the service manager's decision and the losses borne.
CREATE TABLE returns (
    id               BIGSERIAL PRIMARY KEY,
    unit_id          BIGINT NOT NULL CONSTRAINT returns_unit_fkey REFERENCES units (id),
    ticket_id        BIGINT CONSTRAINT returns_ticket_fkey REFERENCES tickets (id),
    ground           TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    confirmation     TEXT,
    requested_on     TEXT    NOT NULL,
    requested_by     BIGINT NOT NULL CONSTRAINT returns_requested_by_fkey REFERENCES users (id),
    status           TEXT    NOT NULL,
    rule             TEXT    NOT NULL,
    eligibility      TEXT    NOT NULL,
    decided_by       BIGINT CONSTRAINT returns_decided_by_fkey REFERENCES users (id),
    decided_at       BIGINT,
    decision_reason  TEXT,
    losses_fen       BIGINT,
    losses_note      TEXT,
    losses_borne_by  TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX returns_status ON returns (status, id);
CREATE INDEX returns_unit ON returns (unit_id, id);
