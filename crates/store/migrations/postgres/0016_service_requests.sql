-- Service requests (R4.1-R4.3): what a salesperson files from a customer's plant, written
-- with its ticket in one transaction; the department sends someone (the ticket's job) or
-- answers remotely and records how.
CREATE TABLE service_requests (
    id             BIGSERIAL PRIMARY KEY,
    ticket_id      BIGINT NOT NULL CONSTRAINT service_requests_ticket_fkey REFERENCES tickets (id),
    customer_id    BIGINT NOT NULL CONSTRAINT service_requests_customer_fkey REFERENCES customers (id),
    site_id        BIGINT CONSTRAINT service_requests_site_fkey REFERENCES sites (id),
    unit_id        BIGINT CONSTRAINT service_requests_unit_fkey REFERENCES units (id),
    model_code     TEXT,
    contact_name   TEXT    NOT NULL,
    contact_phone  TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    problem        TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    job_id         BIGINT CONSTRAINT service_requests_job_fkey REFERENCES jobs (id),
    remote_method  TEXT,
    remote_answer  TEXT,
    remote_by      BIGINT CONSTRAINT service_requests_remote_by_fkey REFERENCES users (id),
    remote_at      BIGINT,
    created_by     BIGINT NOT NULL CONSTRAINT service_requests_created_by_fkey REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX service_requests_ticket ON service_requests (ticket_id);
CREATE INDEX service_requests_status ON service_requests (status, id);
CREATE INDEX service_requests_customer ON service_requests (customer_id, id);
