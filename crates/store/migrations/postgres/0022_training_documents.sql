-- Training records (R1.6, R1.7) and the document library. A session's attendees are staff
-- accounts or a customer's people by name; its materials are documents of the library.
-- A document's versions are numbered in the order published; which one is current on a
-- date is the domain's rule (the latest effective on or before it). Files live in `files`.
CREATE TABLE documents (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    model_code  TEXT    CONSTRAINT documents_model_fkey REFERENCES product_models (code),
    created_by  BIGINT  NOT NULL CONSTRAINT documents_created_by_fkey REFERENCES users (id),
    created_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX documents_code ON documents (code);
CREATE INDEX documents_model ON documents (model_code);

CREATE TABLE document_versions (
    id            BIGSERIAL PRIMARY KEY,
    document_id   BIGINT  NOT NULL CONSTRAINT document_versions_document_fkey REFERENCES documents (id),
    n             BIGINT  NOT NULL,
    label         TEXT    NOT NULL,
    effective_on  TEXT    NOT NULL,
    file_id       BIGINT  NOT NULL CONSTRAINT document_versions_file_fkey REFERENCES files (id),
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          BIGINT  NOT NULL,
    published_by  BIGINT  NOT NULL CONSTRAINT document_versions_published_by_fkey REFERENCES users (id),
    published_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX document_versions_n ON document_versions (document_id, n);

CREATE TABLE training_sessions (
    id                BIGSERIAL PRIMARY KEY,
    audience          TEXT    NOT NULL,
    topic             TEXT    NOT NULL,
    held_on           TEXT    NOT NULL,
    trainer           TEXT    NOT NULL,
    place             TEXT    NOT NULL,
    duration_minutes  BIGINT  NOT NULL,
    customer_id       BIGINT  CONSTRAINT training_sessions_customer_fkey REFERENCES customers (id),
    note              TEXT,
    recorded_by       BIGINT  NOT NULL CONSTRAINT training_sessions_recorded_by_fkey REFERENCES users (id),
    recorded_at       BIGINT  NOT NULL
);
CREATE INDEX training_sessions_held ON training_sessions (held_on, id);

CREATE TABLE training_attendees (
    id          BIGSERIAL PRIMARY KEY,
    session_id  BIGINT  NOT NULL CONSTRAINT training_attendees_session_fkey REFERENCES training_sessions (id),
    user_id     BIGINT  CONSTRAINT training_attendees_attendee_fkey REFERENCES users (id),
    name        TEXT    NOT NULL
);
CREATE INDEX training_attendees_session ON training_attendees (session_id, id);
CREATE INDEX training_attendees_user ON training_attendees (user_id);

CREATE TABLE training_materials (
    session_id   BIGINT  NOT NULL CONSTRAINT training_materials_session_fkey REFERENCES training_sessions (id),
    document_id  BIGINT  NOT NULL CONSTRAINT training_materials_document_fkey REFERENCES documents (id),
    PRIMARY KEY (session_id, document_id)
);

-- The settings of the requirement rule: which topics each staff role must have had, and
-- within how many months.
CREATE TABLE training_requirements (
    role           TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    period_months  BIGINT  NOT NULL,
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
