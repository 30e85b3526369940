-- Training records (R1.6, R1.7) and the document library. A session's attendees are staff
-- accounts or a customer's people by name; its materials are documents of the library.
-- A document's versions are numbered in the order published; which one is current on a
-- date is the domain's rule (the latest effective on or before it). Files live in `files`.
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    model_code  TEXT    CONSTRAINT documents_model_fkey REFERENCES product_models (code),
    created_by  INTEGER NOT NULL CONSTRAINT documents_created_by_fkey REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX documents_code ON documents (code);
CREATE INDEX documents_model ON documents (model_code);

CREATE TABLE document_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id   INTEGER NOT NULL CONSTRAINT document_versions_document_fkey REFERENCES documents (id),
    n             INTEGER NOT NULL,
    label         TEXT    NOT NULL,
    effective_on  TEXT    NOT NULL,
    file_id       INTEGER NOT NULL CONSTRAINT document_versions_file_fkey REFERENCES files (id),
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    published_by  INTEGER NOT NULL CONSTRAINT document_versions_published_by_fkey REFERENCES users (id),
    published_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX document_versions_n ON document_versions (document_id, n);

CREATE TABLE training_sessions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    audience          TEXT    NOT NULL,
    topic             TEXT    NOT NULL,
    held_on           TEXT    NOT NULL,
    trainer           TEXT    NOT NULL,
    place             TEXT    NOT NULL,
    duration_minutes  INTEGER NOT NULL,
    customer_id       INTEGER CONSTRAINT training_sessions_customer_fkey REFERENCES customers (id),
    note              TEXT,
    recorded_by       INTEGER NOT NULL CONSTRAINT training_sessions_recorded_by_fkey REFERENCES users (id),
    recorded_at       INTEGER NOT NULL
);
CREATE INDEX training_sessions_held ON training_sessions (held_on, id);

CREATE TABLE training_attendees (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  INTEGER NOT NULL CONSTRAINT training_attendees_session_fkey REFERENCES training_sessions (id),
    user_id     INTEGER CONSTRAINT training_attendees_attendee_fkey REFERENCES users (id),
    name        TEXT    NOT NULL
);
CREATE INDEX training_attendees_session ON training_attendees (session_id, id);
CREATE INDEX training_attendees_user ON training_attendees (user_id);

CREATE TABLE training_materials (
    session_id   INTEGER NOT NULL CONSTRAINT training_materials_session_fkey REFERENCES training_sessions (id),
    document_id  INTEGER NOT NULL CONSTRAINT training_materials_document_fkey REFERENCES documents (id),
    PRIMARY KEY (session_id, document_id)
);

-- The settings of the requirement rule: which topics each staff role must have had, and
-- within how many months.
CREATE TABLE training_requirements (
    role           TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    period_months  INTEGER NOT NULL,
    PRIMARY KEY (role, topic)
);
INSERT INTO training_requirements (role, topic, period_months) VALUES
    ('technician', 'service_awareness', 24),
    ('technician', 'quality_awareness', 24),
    ('technician', 'technical_specification', 24),
    ('senior_engineer', 'service_awareness', 24),
    ('senior_engineer', 'quality_awareness', 24),
    ('senior_engineer', 'technical_specification', 24),
    ('service_clerk', 'service_awareness', 24),
    ('service_manager', 'management_methods', 24);
