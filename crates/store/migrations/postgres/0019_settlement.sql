-- The settlement basis of jobs (issue 9, R1.5): the price list's rates for labour and
-- travel (one row; the defaults apply while there is none), and the quotations given to
-- customers before paid work with their lines and the customer's answer. Money in fen;
-- quantities in hundredths (2.5 hours = 250).
CREATE TABLE settlement_settings (
    id                   BIGINT PRIMARY KEY CHECK (id = 1),
    labour_fen_per_hour  BIGINT  NOT NULL,
    travel_fen_per_km    BIGINT  NOT NULL,
    call_out_fen         BIGINT  NOT NULL,
    updated_by           BIGINT  NOT NULL CONSTRAINT settlement_settings_updated_by_fkey REFERENCES users (id),
    updated_at           BIGINT  NOT NULL,
    version              BIGINT  NOT NULL DEFAULT 1
);
CREATE TABLE quotes (
    id               BIGSERIAL PRIMARY KEY,
    job_id           BIGINT  NOT NULL CONSTRAINT quotes_job_fkey REFERENCES jobs (id),
    status           TEXT    NOT NULL CHECK (status IN ('given', 'accepted', 'refused')),
    total_fen        BIGINT  NOT NULL CHECK (total_fen >= 0),
    note             TEXT,
    given_by         BIGINT  NOT NULL CONSTRAINT quotes_given_by_fkey REFERENCES users (id),
    given_at         BIGINT  NOT NULL,
    answered_by_name TEXT,
    answer_method    TEXT CHECK (answer_method IN ('signature', 'phone', 'written')),
    answer_note      TEXT,
    answer_recorded_by BIGINT  CONSTRAINT quotes_answer_recorded_by_fkey REFERENCES users (id),
    answered_at      BIGINT,
    version          BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX quotes_job ON quotes (job_id);
CREATE TABLE quote_lines (
    quote_id     BIGINT  NOT NULL CONSTRAINT quote_lines_quote_fkey REFERENCES quotes (id),
    ordinal      BIGINT  NOT NULL,
    kind         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    qty_centi    BIGINT  NOT NULL CHECK (qty_centi >= 0),
    unit_fen     BIGINT  NOT NULL CHECK (unit_fen >= 0),
    amount_fen   BIGINT  NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (quote_id, ordinal)
);
