-- Requests a client may send again (a phone on a poor connection, an integration that
-- retries): the key it sent, per person, with what the request was (its scope and a
-- fingerprint of its body and path) and, once done, what it produced (the record's id).
-- A key is claimed, the work done and the result written in one transaction, so a retry
-- sees either nothing or the finished answer. Keys are kept for a week.
CREATE TABLE idempotency_keys (
    actor_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    result       TEXT,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (actor_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
