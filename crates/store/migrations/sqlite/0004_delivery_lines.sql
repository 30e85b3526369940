-- R3.2: a delivery's packing list, counted line by line on site (shortages and damage),
-- and the company's date of acceptance, from which the delivery's units are covered.
ALTER TABLE deliveries ADD COLUMN accepted_on TEXT;

CREATE TABLE delivery_lines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  INTEGER NOT NULL CONSTRAINT delivery_lines_delivery_fkey REFERENCES deliveries (id),
    ordinal      INTEGER NOT NULL,
    model_code   TEXT,
    description  TEXT,
    expected     INTEGER NOT NULL,
    received     INTEGER,
    damaged      INTEGER,
    note         TEXT,
    CONSTRAINT delivery_lines_delivery_ordinal_key UNIQUE (delivery_id, ordinal)
);
