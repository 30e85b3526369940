-- The service feedback form (R1.2, R4.5) and the files it holds: photos, the customer's
-- drawn signature, a photo of the stamp. Files live in the database, so every instance
-- reads them; each is checked by its bytes before it is stored.
CREATE TABLE files (
    id            BIGSERIAL PRIMARY KEY,
    content_type  TEXT    NOT NULL,
    bytes         BYTEA   NOT NULL,
    size          BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    width         BIGINT,
    height        BIGINT,
    created_by    BIGINT  NOT NULL CONSTRAINT files_created_by_fkey REFERENCES users (id),
    created_at    BIGINT  NOT NULL
);
CREATE TABLE feedback_forms (
    id                   BIGSERIAL PRIMARY KEY,
    job_id               BIGINT  NOT NULL CONSTRAINT feedback_forms_job_fkey REFERENCES jobs (id),
    trip_id              BIGINT  NOT NULL CONSTRAINT feedback_forms_trip_fkey REFERENCES trips (id),
    corrects             BIGINT  CONSTRAINT feedback_forms_corrects_fkey REFERENCES feedback_forms (id),
    status               TEXT    NOT NULL,
    service_content      TEXT    NOT NULL DEFAULT '',
    fault_cause          TEXT    NOT NULL DEFAULT '',
    cause_analysis       TEXT    NOT NULL DEFAULT '',
    handling             TEXT    NOT NULL DEFAULT '',
    responsibility       TEXT,
    -- The parts table as JSON: [{name, quantity, faulty_serial, replacement_serial}].
    parts                TEXT    NOT NULL DEFAULT '[]',
    started_at           BIGINT,
    ended_at             BIGINT,
    signer_name          TEXT,
    signature_file_id    BIGINT  CONSTRAINT feedback_forms_signature_fkey REFERENCES files (id),
    signed_at            BIGINT,
    customer_absent      BIGINT  NOT NULL DEFAULT 0,
    customer_opinion     TEXT,
    stamp_file_id        BIGINT  CONSTRAINT feedback_forms_stamp_fkey REFERENCES files (id),
    review_accepted      BIGINT,
    review_reason        TEXT,
    reviewed_by          BIGINT  CONSTRAINT feedback_forms_reviewed_by_fkey REFERENCES users (id),
    reviewed_at          BIGINT,
    created_by           BIGINT  NOT NULL CONSTRAINT feedback_forms_created_by_fkey REFERENCES users (id),
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    version              BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX feedback_forms_job ON feedback_forms (job_id, id);
CREATE INDEX feedback_forms_status ON feedback_forms (status, signed_at);
-- One draft per trip (a correction is a draft of its own, one per corrected form).
CREATE UNIQUE INDEX feedback_forms_one_draft ON feedback_forms (trip_id, COALESCE(corrects, 0))
    WHERE status = 'draft';
CREATE TABLE form_photos (
    form_id   BIGINT  NOT NULL CONSTRAINT form_photos_form_fkey REFERENCES feedback_forms (id) ON DELETE CASCADE,
    file_id   BIGINT  NOT NULL CONSTRAINT form_photos_file_fkey REFERENCES files (id),
    ordinal   BIGINT  NOT NULL,
    caption   TEXT,
    PRIMARY KEY (form_id, file_id)
);
CREATE INDEX form_photos_file ON form_photos (file_id);
