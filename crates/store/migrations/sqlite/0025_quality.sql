-- Quality items and the monthly quality review (R7.1, R7.2, R3.11).

-- One item per source record (the unique key makes "made once" hold even when two
-- requests race); merged items point to the item kept. The classification columns are
-- indexed by month, model and cause: the monthly report counts them.
CREATE TABLE quality_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source_kind     TEXT    NOT NULL,
    source_id       INTEGER NOT NULL,
    month           TEXT    NOT NULL,
    product_model   TEXT,
    component       TEXT,
    fault_category  TEXT,
    cause           TEXT,
    responsibility  TEXT,
    summary         TEXT    NOT NULL,
    root_cause      TEXT,
    method          TEXT,
    merged_into     INTEGER CONSTRAINT quality_items_merged_fkey REFERENCES quality_items (id),
    created_by      INTEGER NOT NULL CONSTRAINT quality_items_created_by_fkey REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT quality_items_source_key UNIQUE (source_kind, source_id)
);
CREATE INDEX quality_items_month ON quality_items (month, id);
CREATE INDEX quality_items_model ON quality_items (product_model, month);
CREATE INDEX quality_items_cause ON quality_items (cause, month);

-- Corrective and preventive actions, each with one owner (a department or a person), a
-- due date and the verification of its effect; `warned_at` records the one overdue warning.
CREATE TABLE quality_actions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id            INTEGER NOT NULL CONSTRAINT quality_actions_item_fkey REFERENCES quality_items (id),
    kind               TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    owner_department   TEXT,
    owner_user_id      INTEGER CONSTRAINT quality_actions_owner_fkey REFERENCES users (id),
    due_on             TEXT    NOT NULL,
    verified_by        INTEGER CONSTRAINT quality_actions_verified_by_fkey REFERENCES users (id),
    verified_at        INTEGER,
    verification_note  TEXT,
    warned_at          INTEGER,
    created_by         INTEGER NOT NULL CONSTRAINT quality_actions_created_by_fkey REFERENCES users (id),
    created_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT quality_actions_one_owner CHECK ((owner_department IS NULL) <> (owner_user_id IS NULL))
);
CREATE INDEX quality_actions_item ON quality_actions (item_id, id);
CREATE INDEX quality_actions_open ON quality_actions (due_on, id) WHERE verified_at IS NULL;

-- A month's review, closed once (a recorded act).
CREATE TABLE quality_closings (
    month      TEXT    PRIMARY KEY,
    closed_by  INTEGER NOT NULL CONSTRAINT quality_closings_closed_by_fkey REFERENCES users (id),
    closed_at  INTEGER NOT NULL,
    items      INTEGER NOT NULL
);
