-- The salesperson's monthly follow-ups (R3.1) and the month-end collation.

-- Who held each customer since when: written by the database whenever a customer is
-- added or its salesperson changes, so that past months are judged by who held the
-- customer then, whatever wrote the change (the form, an import).
CREATE TABLE customer_salespeople (
    id              BIGSERIAL PRIMARY KEY,
    customer_id     BIGINT NOT NULL CONSTRAINT customer_salespeople_customer_fkey REFERENCES customers (id) ON DELETE CASCADE,
    salesperson_id  BIGINT CONSTRAINT customer_salespeople_salesperson_fkey REFERENCES users (id),
    from_at         BIGINT NOT NULL
);
CREATE INDEX customer_salespeople_customer ON customer_salespeople (customer_id, from_at, id);
INSERT INTO customer_salespeople (customer_id, salesperson_id, from_at)
    SELECT id, salesperson_id, created_at FROM customers;
CREATE FUNCTION customer_salespeople_note() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO customer_salespeople (customer_id, salesperson_id, from_at)
            VALUES (NEW.id, NEW.salesperson_id, NEW.created_at);
    ELSIF OLD.salesperson_id IS DISTINCT FROM NEW.salesperson_id THEN
        INSERT INTO customer_salespeople (customer_id, salesperson_id, from_at)
            VALUES (NEW.id, NEW.salesperson_id, NEW.updated_at);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER customer_salespeople_noted AFTER INSERT OR UPDATE OF salesperson_id ON customers
    FOR EACH ROW EXECUTE FUNCTION customer_salespeople_note();

CREATE TABLE follow_ups (
    id              BIGSERIAL PRIMARY KEY,
    customer_id     BIGINT NOT NULL CONSTRAINT follow_ups_customer_fkey REFERENCES customers (id),
    salesperson_id  BIGINT NOT NULL CONSTRAINT follow_ups_salesperson_fkey REFERENCES users (id),
    visited_on      TEXT    NOT NULL,
    method          TEXT    NOT NULL,
    met             TEXT,
    usage           TEXT,
    remarks         TEXT,
    remark_class    TEXT,
    requests        TEXT,
    ticket_id       BIGINT CONSTRAINT follow_ups_ticket_fkey REFERENCES tickets (id),
    late            BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX follow_ups_date ON follow_ups (visited_on, id);
CREATE INDEX follow_ups_customer ON follow_ups (customer_id, visited_on);

-- A month's collation, closed once (a recorded act).
CREATE TABLE follow_up_closings (
    month      TEXT    PRIMARY KEY,
    closed_by  BIGINT NOT NULL CONSTRAINT follow_up_closings_closed_by_fkey REFERENCES users (id),
    closed_at  BIGINT NOT NULL,
    owed       BIGINT NOT NULL,
    done       BIGINT NOT NULL
);

-- Reminders sent: one per salesperson per month.
CREATE TABLE follow_up_reminders (
    month           TEXT    NOT NULL,
    salesperson_id  BIGINT NOT NULL CONSTRAINT follow_up_reminders_salesperson_fkey REFERENCES users (id),
    sent_at         BIGINT NOT NULL,
    PRIMARY KEY (month, salesperson_id)
);
