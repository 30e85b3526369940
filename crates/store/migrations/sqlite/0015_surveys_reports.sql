-- The customer's satisfaction survey of a job (R5.3) and each technician's daily work
-- report (R4.6).
--
-- A survey belongs to one job and is answered once: on the technician's phone, or later
-- through a link. Only the SHA-256 of a link's token is kept; the link works once and
-- expires.
CREATE TABLE surveys (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id            INTEGER NOT NULL CONSTRAINT surveys_job_fkey REFERENCES jobs (id),
    answers           TEXT,
    comment           TEXT,
    answered_at       INTEGER,
    answered_via      TEXT,
    token_hash        TEXT,
    token_expires_at  INTEGER,
    token_used_at     INTEGER,
    issued_by         INTEGER CONSTRAINT surveys_issued_by_fkey REFERENCES users (id),
    issued_at         INTEGER,
    created_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT surveys_job_key UNIQUE (job_id),
    CONSTRAINT surveys_token_key UNIQUE (token_hash)
);
CREATE INDEX surveys_answered ON surveys (answered_at);

-- One report per person and day (company time); `lines` is the day's work as JSON.
CREATE TABLE daily_reports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL CONSTRAINT daily_reports_user_fkey REFERENCES users (id),
    day           TEXT    NOT NULL,
    lines         TEXT    NOT NULL,
    travel_km     REAL,
    notes         TEXT,
    late_reason   TEXT,
    submitted_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT daily_reports_user_day_key UNIQUE (user_id, day)
);
CREATE INDEX daily_reports_day ON daily_reports (day);
