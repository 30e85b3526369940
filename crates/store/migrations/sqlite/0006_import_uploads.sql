-- An archive file uploaded from the import page, kept between its preview and the
-- confirmation so every instance can finish what another began. Once imported, its
-- content is dropped and the report kept, so a second confirmation answers the same.
CREATE TABLE import_uploads (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    uploaded_by  INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    imported_at  INTEGER,
    report       TEXT
);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
