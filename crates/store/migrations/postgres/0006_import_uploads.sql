-- An archive file uploaded from the import page, kept between its preview and the
-- confirmation so every instance can finish what another began. Once imported, its
-- content is dropped and the report kept, so a second confirmation answers the same.
CREATE TABLE import_uploads (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    content      BYTEA   NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    imported_at  BIGINT,
    report       TEXT
);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
