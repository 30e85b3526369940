-- Foundation: accounts, sessions, customer archive, tickets with deadlines, audit trail.
-- Instants are INTEGER epoch milliseconds (UTC).

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT    NOT NULL CONSTRAINT users_username_key UNIQUE,
    display_name   TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_failures (
    username        TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failed_at  INTEGER NOT NULL

);

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    region_reason   TEXT,
    salesperson_id  INTEGER CONSTRAINT customers_salesperson_fkey REFERENCES users (id),
    notes           TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX customers_region ON customers (region, id);
CREATE INDEX customers_salesperson ON customers (salesperson_id, id);

CREATE TABLE customer_contacts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    phone         TEXT,
    phone_digits  TEXT,
    email         TEXT,
    position      TEXT
);
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id, ordinal);
CREATE INDEX customer_contacts_phone ON customer_contacts (phone_digits);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    customer_id     INTEGER NOT NULL CONSTRAINT tickets_customer_fkey REFERENCES customers (id),
    unit_text       TEXT,
    summary         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    received_at     INTEGER NOT NULL,
    site_region     TEXT    NOT NULL,
    assignee_id     INTEGER CONSTRAINT tickets_assignee_fkey REFERENCES users (id),
    technician_id   INTEGER CONSTRAINT tickets_technician_fkey REFERENCES users (id),
    opinion         TEXT,
    reply           TEXT,
    resolution      TEXT,
    next_due_at     INTEGER,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_next_due ON tickets (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX tickets_customer ON tickets (customer_id, id);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_kind ON tickets (kind, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, id);
CREATE INDEX tickets_technician ON tickets (technician_id, id);

CREATE TABLE ticket_deadlines (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    due_at     INTEGER NOT NULL,
    met_at     INTEGER,
    PRIMARY KEY (ticket_id, kind)
);
CREATE INDEX ticket_deadlines_due ON ticket_deadlines (due_at);

-- R1.4: every change, attributable: who, when, what before, what after. Append only.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entity      TEXT    NOT NULL,
    entity_id   INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    at          INTEGER NOT NULL,
    note        TEXT,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
