-- Similar past cases (issue 11, part 5). One row per finished repair, emergency or
-- complaint, written in the transaction that finishes it (the form accepted, the ticket
-- resolved); `sanbao reindex-cases` fills it for cases finished before.
-- `terms` holds the case's words as the domain cut them (jieba), space-joined; the FTS5
-- table indexes them as they are (unicode61 splits on the spaces only, model codes like
-- kyn28a-12 stay one token).
CREATE TABLE similar_cases (
    ticket_id      INTEGER PRIMARY KEY CONSTRAINT similar_cases_ticket_fkey REFERENCES tickets (id),
    kind           TEXT    NOT NULL,
    model_code     TEXT,
    component      TEXT,
    summary        TEXT    NOT NULL,
    fault_cause    TEXT    NOT NULL DEFAULT '',
    cause_analysis TEXT    NOT NULL DEFAULT '',
    handling       TEXT    NOT NULL DEFAULT '',
    finished_at    INTEGER NOT NULL,
    terms          TEXT    NOT NULL
);
CREATE INDEX similar_cases_model ON similar_cases (lower(model_code), finished_at);
CREATE VIRTUAL TABLE similar_cases_fts USING fts5(
    terms,
    content = 'similar_cases',
    content_rowid = 'ticket_id',
    tokenize = "unicode61 remove_diacritics 0 tokenchars '-_./'"
);
CREATE TRIGGER similar_cases_fts_insert AFTER INSERT ON similar_cases BEGIN
    INSERT INTO similar_cases_fts (rowid, terms) VALUES (new.ticket_id, new.terms);
END;
CREATE TRIGGER similar_cases_fts_delete AFTER DELETE ON similar_cases BEGIN
    INSERT INTO similar_cases_fts (similar_cases_fts, rowid, terms)
        VALUES ('delete', old.ticket_id, old.terms);
END;
CREATE TRIGGER similar_cases_fts_update AFTER UPDATE ON similar_cases BEGIN
    INSERT INTO similar_cases_fts (similar_cases_fts, rowid, terms)
        VALUES ('delete', old.ticket_id, old.terms);
    INSERT INTO similar_cases_fts (rowid, terms) VALUES (new.ticket_id, new.terms);
END;
