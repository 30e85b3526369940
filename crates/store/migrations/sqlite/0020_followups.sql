-- The salesperson's monthly follow-ups (R3.1) and the month-end collation.

-- Who held each customer since when: written by the database whenever a customer is
-- added or its salesperson changes, so that past months are judged by who held the
-- customer then, whatever wrote the change (the form, an import).
CREATE TABLE customer_salespeople (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL CONSTRAINT customer_salespeople_customer_fkey REFERENCES customers (id) ON DELETE CASCADE,
    salesperson_id  INTEGER CONSTRAINT customer_salespeople_salesperson_fkey REFERENCES users (id),
    from_at         INTEGER NOT NULL
);
CREATE INDEX customer_salespeople_customer ON customer_salespeople (customer_id, from_at, id);
INSERT INTO customer_salespeople (customer_id, salesperson_id, from_at)
    SELECT id, salesperson_id, created_at FROM customers;
CREATE TRIGGER customer_salespeople_added AFTER INSERT ON customers
BEGIN
    INSERT INTO customer_salespeople (customer_id, salesperson_id, from_at)
        VALUES (NEW.id, NEW.salesperson_id, NEW.created_at);
END;
CREATE TRIGGER customer_salespeople_changed AFTER UPDATE OF salesperson_id ON customers
WHEN OLD.salesperson_id IS NOT NEW.salesperson_id
BEGIN
    INSERT INTO customer_salespeople (customer_id, salesperson_id, from_at)
        VALUES (NEW.id, NEW.salesperson_id, NEW.updated_at);
END;

CREATE TABLE follow_ups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL CONSTRAINT follow_ups_customer_fkey REFERENCES customers (id),
    salesperson_id  INTEGER NOT NULL CONSTRAINT follow_ups_salesperson_fkey REFERENCES users (id),
    visited_on      TEXT    NOT NULL,
    method          TEXT    NOT NULL,
    met             TEXT,
    usage           TEXT,
    remarks         TEXT,
    remark_class    TEXT,
    requests        TEXT,
    ticket_id       INTEGER CONSTRAINT follow_ups_ticket_fkey REFERENCES tickets (id),
    late            BOOLEAN NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX follow_ups_date ON follow_ups (visited_on, id);
CREATE INDEX follow_ups_customer ON follow_ups (customer_id, visited_on);

-- A month's collation, closed once (a recorded act).
CREATE TABLE follow_up_closings (
    month      TEXT    PRIMARY KEY,
    closed_by  INTEGER NOT NULL CONSTRAINT follow_up_closings_closed_by_fkey REFERENCES users (id),
    closed_at  INTEGER NOT NULL,
    owed       INTEGER NOT NULL,
    done       INTEGER NOT NULL
);

-- Reminders sent: one per salesperson per month.
CREATE TABLE follow_up_reminders (
    month           TEXT    NOT NULL,
    salesperson_id  INTEGER NOT NULL CONSTRAINT follow_up_reminders_salesperson_fkey REFERENCES users (id),
    sent_at         INTEGER NOT NULL,
    PRIMARY KEY (month, salesperson_id)
);
