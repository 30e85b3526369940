-- Parts, materials and their ledger (R1.5). Stock sits in buckets (a part, a location,
-- and the job it was issued for, 0 for none); every movement is one row of part_moves,
-- never edited (a mistake is reversed by a new row), written with the buckets it changes.
CREATE TABLE parts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    unit_cost_fen   INTEGER NOT NULL CHECK (unit_cost_fen >= 0),
    list_price_fen  INTEGER NOT NULL CHECK (list_price_fen >= 0),
    serialised      INTEGER NOT NULL DEFAULT 0,
    reorder_level   INTEGER NOT NULL DEFAULT 0 CHECK (reorder_level >= 0),
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX parts_code ON parts (code);

-- The product models a part fits.
CREATE TABLE part_models (
    part_id     INTEGER NOT NULL CONSTRAINT part_models_part_fkey REFERENCES parts (id),
    model_code  TEXT    NOT NULL,
    PRIMARY KEY (part_id, model_code)
);
CREATE INDEX part_models_model ON part_models (model_code, part_id);

-- The central store, inspection, and one van per technician (made when first needed).
CREATE TABLE stock_locations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    holder_id   INTEGER CONSTRAINT stock_locations_holder_fkey REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX stock_locations_one_each ON stock_locations (kind) WHERE kind <> 'van';
CREATE UNIQUE INDEX stock_locations_holder ON stock_locations (holder_id) WHERE holder_id IS NOT NULL;
INSERT INTO stock_locations (kind, name, created_at) VALUES ('store', '中心库', 0);
INSERT INTO stock_locations (kind, name, created_at) VALUES ('inspection', '待检区', 0);

CREATE TABLE stock (
    part_id      INTEGER NOT NULL CONSTRAINT stock_part_fkey REFERENCES parts (id),
    location_id  INTEGER NOT NULL CONSTRAINT stock_location_fkey REFERENCES stock_locations (id),
    job_id       INTEGER NOT NULL DEFAULT 0,
    on_hand      INTEGER NOT NULL CHECK (on_hand >= 0),
    PRIMARY KEY (part_id, location_id, job_id)
);
CREATE INDEX stock_location ON stock (location_id, part_id);
CREATE INDEX stock_job ON stock (job_id) WHERE job_id <> 0;

CREATE TABLE requisitions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id         INTEGER CONSTRAINT requisitions_job_fkey REFERENCES jobs (id),
    holder_id      INTEGER NOT NULL CONSTRAINT requisitions_holder_fkey REFERENCES users (id),
    requested_by   INTEGER NOT NULL CONSTRAINT requisitions_requested_by_fkey REFERENCES users (id),
    note           TEXT,
    status         TEXT    NOT NULL,
    decided_by     INTEGER CONSTRAINT requisitions_decided_by_fkey REFERENCES users (id),
    decided_at     INTEGER,
    decision_note  TEXT,
    issued_by      INTEGER CONSTRAINT requisitions_issued_by_fkey REFERENCES users (id),
    issued_at      INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX requisitions_status ON requisitions (status, id);
CREATE INDEX requisitions_holder ON requisitions (holder_id, id);
CREATE INDEX requisitions_job ON requisitions (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE requisition_lines (
    requisition_id  INTEGER NOT NULL CONSTRAINT requisition_lines_req_fkey REFERENCES requisitions (id),
    line_no         INTEGER NOT NULL,
    part_id         INTEGER NOT NULL CONSTRAINT requisition_lines_part_fkey REFERENCES parts (id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (requisition_id, line_no)
);

CREATE TABLE part_moves (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,
    part_id         INTEGER NOT NULL CONSTRAINT part_moves_part_fkey REFERENCES parts (id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    from_location   INTEGER CONSTRAINT part_moves_from_fkey REFERENCES stock_locations (id),
    from_job        INTEGER,
    to_location     INTEGER CONSTRAINT part_moves_to_fkey REFERENCES stock_locations (id),
    to_job          INTEGER,
    job_id          INTEGER CONSTRAINT part_moves_job_fkey REFERENCES jobs (id),
    requisition_id  INTEGER CONSTRAINT part_moves_requisition_fkey REFERENCES requisitions (id),
    unit_id         INTEGER CONSTRAINT part_moves_unit_fkey REFERENCES units (id),
    serial          TEXT,
    faulty_serial   TEXT,
    reason          TEXT,
    reverses        INTEGER CONSTRAINT part_moves_reverses_fkey REFERENCES part_moves (id),
    by_id           INTEGER NOT NULL CONSTRAINT part_moves_by_fkey REFERENCES users (id),
    at              INTEGER NOT NULL
);
CREATE UNIQUE INDEX part_moves_reversed_once ON part_moves (reverses) WHERE reverses IS NOT NULL;
CREATE INDEX part_moves_job ON part_moves (job_id, id) WHERE job_id IS NOT NULL;
CREATE INDEX part_moves_part ON part_moves (part_id, id);
CREATE INDEX part_moves_unit ON part_moves (unit_id, id) WHERE unit_id IS NOT NULL;
CREATE INDEX part_moves_at ON part_moves (at, id);

CREATE TRIGGER part_moves_no_update BEFORE UPDATE ON part_moves
BEGIN SELECT RAISE(ABORT, 'part_moves is append-only'); END;
CREATE TRIGGER part_moves_no_delete BEFORE DELETE ON part_moves
BEGIN SELECT RAISE(ABORT, 'part_moves is append-only'); END;

-- Serial numbers fitted: each once per part, freed again when its fitting is reversed.
CREATE TABLE part_serials (
    part_id  INTEGER NOT NULL CONSTRAINT part_serials_part_fkey REFERENCES parts (id),
    serial   TEXT    NOT NULL,
    move_id  INTEGER NOT NULL CONSTRAINT part_serials_move_fkey REFERENCES part_moves (id),
    PRIMARY KEY (part_id, serial)
);
