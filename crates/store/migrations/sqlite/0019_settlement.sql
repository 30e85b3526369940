-- The settlement basis of jobs (issue 9, R1.5): the price list's rates for labour and
-- travel (one row; the defaults apply while there is none), and the quotations given to
-- customers before paid work with their lines and the customer's answer. Money in fen;
-- quantities in hundredths (2.5 hours = 250).
CREATE TABLE settlement_settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    labour_fen_per_hour  INTEGER NOT NULL,
    travel_fen_per_km    INTEGER NOT NULL,
    call_out_fen         INTEGER NOT NULL,
    updated_by           INTEGER NOT NULL CONSTRAINT settlement_settings_updated_by_fkey REFERENCES users (id),
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE quotes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id           INTEGER NOT NULL CONSTRAINT quotes_job_fkey REFERENCES jobs (id),
    status           TEXT    NOT NULL CHECK (status IN ('given', 'accepted', 'refused')),
    total_fen        INTEGER NOT NULL CHECK (total_fen >= 0),
    note             TEXT,
    given_by         INTEGER NOT NULL CONSTRAINT quotes_given_by_fkey REFERENCES users (id),
    given_at         INTEGER NOT NULL,
    answered_by_name TEXT,
    answer_method    TEXT CHECK (answer_method IN ('signature', 'phone', 'written')),
    answer_note      TEXT,
    answer_recorded_by INTEGER CONSTRAINT quotes_answer_recorded_by_fkey REFERENCES users (id),
    answered_at      INTEGER,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX quotes_job ON quotes (job_id);
CREATE TABLE quote_lines (
    quote_id     INTEGER NOT NULL CONSTRAINT quote_lines_quote_fkey REFERENCES quotes (id),
    ordinal      INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    qty_centi    INTEGER NOT NULL CHECK (qty_centi >= 0),
    unit_fen     INTEGER NOT NULL CHECK (unit_fen >= 0),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (quote_id, ordinal)
);
