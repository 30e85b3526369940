-- Similar past cases (issue 11, part 5). One row per finished repair, emergency or
-- complaint, written in the transaction that finishes it (the form accepted, the ticket
-- resolved); `sanbao reindex-cases` fills it for cases finished before.
-- `terms` holds the case's words as the domain cut them (jieba), space-joined. The
-- tsvector takes them as they are (array_to_tsvector: no parser, no stemming — the
-- `simple` configuration's effect, without its splitting model codes such as kyn28a-12
-- into parts), so both backends match the same words.
CREATE TABLE similar_cases (
    ticket_id      BIGINT  PRIMARY KEY CONSTRAINT similar_cases_ticket_fkey REFERENCES tickets (id),
    kind           TEXT    NOT NULL,
    model_code     TEXT,
    component      TEXT,
    summary        TEXT    NOT NULL,
    fault_cause    TEXT    NOT NULL DEFAULT '',
    cause_analysis TEXT    NOT NULL DEFAULT '',
    handling       TEXT    NOT NULL DEFAULT '',
    finished_at    BIGINT  NOT NULL,
    terms          TEXT    NOT NULL,
    terms_tsv      tsvector GENERATED ALWAYS AS
        (array_to_tsvector(array_remove(string_to_array(terms, ' '), ''))) STORED
);
CREATE INDEX similar_cases_model ON similar_cases (lower(model_code), finished_at);
CREATE INDEX similar_cases_terms ON similar_cases USING GIN (terms_tsv);
