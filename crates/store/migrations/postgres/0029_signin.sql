-- Sign-in under attack: every attempt is counted before its password is checked, against
-- three counters (the name from an address, the address, the name); the per-name table
-- it replaces was read and written in two steps, so parallel guesses all got through.
DROP TABLE login_failures;

CREATE TABLE login_throttle (
    key         TEXT    PRIMARY KEY,
    failures    BIGINT  NOT NULL,
    last_at     BIGINT  NOT NULL
);
CREATE INDEX login_throttle_last_at ON login_throttle (last_at);
