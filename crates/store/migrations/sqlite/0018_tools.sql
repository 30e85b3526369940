-- The tools register (R1.5): service tools with their identifiers, each check-out to a
-- technician and its return, and each calibration recorded. A tool has at most one open
-- check-out (the partial unique index), whatever the application does.
CREATE TABLE tools (
    id                           INTEGER PRIMARY KEY AUTOINCREMENT,
    asset_code                   TEXT    NOT NULL,
    name                         TEXT    NOT NULL,
    category                     TEXT,
    serial_no                    TEXT,
    location                     TEXT,
    calibration_interval_months  INTEGER,
    calibration_due_on           TEXT,
    -- The due date the keepers were last warned of (the sweep warns once per date).
    calibration_warned_for       TEXT,
    status                       TEXT    NOT NULL,
    retired_reason               TEXT,
    retired_at                   INTEGER,
    created_by                   INTEGER NOT NULL CONSTRAINT tools_created_by_fkey REFERENCES users (id),
    created_at                   INTEGER NOT NULL,
    updated_at                   INTEGER NOT NULL,
    version                      INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX tools_asset_code ON tools (asset_code);
CREATE INDEX tools_calibration_due ON tools (calibration_due_on) WHERE status <> 'retired';

CREATE TABLE tool_checkouts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    tool_id              INTEGER NOT NULL CONSTRAINT tool_checkouts_tool_fkey REFERENCES tools (id),
    holder_id            INTEGER NOT NULL CONSTRAINT tool_checkouts_holder_fkey REFERENCES users (id),
    job_id               INTEGER CONSTRAINT tool_checkouts_job_fkey REFERENCES jobs (id),
    purpose              TEXT,
    out_on               TEXT    NOT NULL,
    expected_return_on   TEXT    NOT NULL,
    out_by               INTEGER NOT NULL CONSTRAINT tool_checkouts_out_by_fkey REFERENCES users (id),
    out_at               INTEGER NOT NULL,
    returned_at          INTEGER,
    returned_by          INTEGER CONSTRAINT tool_checkouts_returned_by_fkey REFERENCES users (id),
    condition            TEXT,
    remark               TEXT,
    -- When the holder and the managers were told it is overdue (once).
    overdue_notified_at  INTEGER
);
CREATE UNIQUE INDEX tool_checkouts_one_open ON tool_checkouts (tool_id) WHERE returned_at IS NULL;
CREATE INDEX tool_checkouts_tool ON tool_checkouts (tool_id, id);
CREATE INDEX tool_checkouts_holder ON tool_checkouts (holder_id) WHERE returned_at IS NULL;
CREATE INDEX tool_checkouts_expected ON tool_checkouts (expected_return_on) WHERE returned_at IS NULL;

CREATE TABLE tool_calibrations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tool_id        INTEGER NOT NULL CONSTRAINT tool_calibrations_tool_fkey REFERENCES tools (id),
    calibrated_on  TEXT    NOT NULL,
    next_due_on    TEXT    NOT NULL,
    note           TEXT,
    recorded_by    INTEGER NOT NULL CONSTRAINT tool_calibrations_recorded_by_fkey REFERENCES users (id),
    recorded_at    INTEGER NOT NULL
);
CREATE INDEX tool_calibrations_tool ON tool_calibrations (tool_id, id);
