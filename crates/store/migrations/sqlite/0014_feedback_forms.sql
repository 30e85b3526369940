-- The service feedback form (R1.2, R4.5) and the files it holds: photos, the customer's
-- drawn signature, a photo of the stamp. Files live in the database, so every instance
-- reads them; each is checked by its bytes before it is stored.
CREATE TABLE files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    content_type  TEXT    NOT NULL,
    bytes         BLOB    NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    width         INTEGER,
    height        INTEGER,
    created_by    INTEGER NOT NULL CONSTRAINT files_created_by_fkey REFERENCES users (id),
    created_at    INTEGER NOT NULL
);
CREATE TABLE feedback_forms (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id               INTEGER NOT NULL CONSTRAINT feedback_forms_job_fkey REFERENCES jobs (id),
    trip_id              INTEGER NOT NULL CONSTRAINT feedback_forms_trip_fkey REFERENCES trips (id),
    corrects             INTEGER CONSTRAINT feedback_forms_corrects_fkey REFERENCES feedback_forms (id),
    status               TEXT    NOT NULL,
    service_content      TEXT    NOT NULL DEFAULT '',
    fault_cause          TEXT    NOT NULL DEFAULT '',
    cause_analysis       TEXT    NOT NULL DEFAULT '',
    handling             TEXT    NOT NULL DEFAULT '',
    responsibility       TEXT,
    -- The parts table as JSON: [{name, quantity, faulty_serial, replacement_serial}].
    parts                TEXT    NOT NULL DEFAULT '[]',
    started_at           INTEGER,
    ended_at             INTEGER,
    signer_name          TEXT,
    signature_file_id    INTEGER CONSTRAINT feedback_forms_signature_fkey REFERENCES files (id),
    signed_at            INTEGER,
    customer_absent      INTEGER NOT NULL DEFAULT 0,
    customer_opinion     TEXT,
    stamp_file_id        INTEGER CONSTRAINT feedback_forms_stamp_fkey REFERENCES files (id),
    review_accepted      INTEGER,
    review_reason        TEXT,
    reviewed_by          INTEGER CONSTRAINT feedback_forms_reviewed_by_fkey REFERENCES users (id),
    reviewed_at          INTEGER,
    created_by           INTEGER NOT NULL CONSTRAINT feedback_forms_created_by_fkey REFERENCES users (id),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX feedback_forms_job ON feedback_forms (job_id, id);
CREATE INDEX feedback_forms_status ON feedback_forms (status, signed_at);
-- One draft per trip (a correction is a draft of its own, one per corrected form).
CREATE UNIQUE INDEX feedback_forms_one_draft ON feedback_forms (trip_id, COALESCE(corrects, 0))
    WHERE status = 'draft';
CREATE TABLE form_photos (
    form_id   INTEGER NOT NULL CONSTRAINT form_photos_form_fkey REFERENCES feedback_forms (id) ON DELETE CASCADE,
    file_id   INTEGER NOT NULL CONSTRAINT form_photos_file_fkey REFERENCES files (id),
    ordinal   INTEGER NOT NULL,
    caption   TEXT,
    PRIMARY KEY (form_id, file_id)
);
CREATE INDEX form_photos_file ON form_photos (file_id);
