-- Field service (R4.1–R4.6): an on-site job on a ticket and its trips to site, each trip
-- with its crew. The first trip's arrival meets the ticket's arrival deadline.
CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id      INTEGER NOT NULL CONSTRAINT jobs_ticket_fkey REFERENCES tickets (id),
    job_type       TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    customer_id    INTEGER NOT NULL CONSTRAINT jobs_customer_fkey REFERENCES customers (id),
    site_id        INTEGER CONSTRAINT jobs_site_fkey REFERENCES sites (id),
    unit_id        INTEGER CONSTRAINT jobs_unit_fkey REFERENCES units (id),
    model_code     TEXT,
    contact_name   TEXT    NOT NULL,
    contact_phone  TEXT    NOT NULL,
    problem        TEXT    NOT NULL,
    created_by     INTEGER NOT NULL CONSTRAINT jobs_created_by_fkey REFERENCES users (id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX jobs_ticket ON jobs (ticket_id);
CREATE INDEX jobs_status ON jobs (status, id);
-- A ticket has one job at a time; another only once the last was cancelled.
CREATE UNIQUE INDEX jobs_one_open_per_ticket ON jobs (ticket_id) WHERE status <> 'cancelled';
CREATE TABLE trips (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id         INTEGER NOT NULL CONSTRAINT trips_job_fkey REFERENCES jobs (id) ON DELETE CASCADE,
    ordinal        INTEGER NOT NULL,
    reason         TEXT,
    dispatched_at  INTEGER,
    dispatched_by  INTEGER CONSTRAINT trips_dispatched_by_fkey REFERENCES users (id),
    expected_at    INTEGER,
    departed_at    INTEGER,
    arrived_at     INTEGER,
    arrived_by     INTEGER CONSTRAINT trips_arrived_by_fkey REFERENCES users (id),
    lat            REAL,
    lon            REAL,
    accuracy_m     REAL,
    created_at     INTEGER NOT NULL,
    CONSTRAINT trips_ordinal_key UNIQUE (job_id, ordinal)
);
CREATE TABLE trip_crew (
    trip_id   INTEGER NOT NULL CONSTRAINT trip_crew_trip_fkey REFERENCES trips (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL CONSTRAINT trip_crew_user_fkey REFERENCES users (id),
    lead      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (trip_id, user_id)
);
CREATE INDEX trip_crew_user ON trip_crew (user_id, trip_id);
