-- R3.2: a delivery's packing list, counted line by line on site (shortages and damage),
-- and the company's date of acceptance, from which the delivery's units are covered.
ALTER TABLE deliveries ADD COLUMN accepted_on TEXT;

CREATE TABLE delivery_lines (
    id           BIGSERIAL PRIMARY KEY,
    delivery_id  BIGINT NOT NULL CONSTRAINT delivery_lines_delivery_fkey REFERENCES deliveries (id),
    ordinal      BIGINT NOT NULL,
    model_code   TEXT,
    description  TEXT,
    expected     BIGINT NOT NULL,
    received     BIGINT,
    damaged      BIGINT,
    note         TEXT,
    CONSTRAINT delivery_lines_delivery_ordinal_key UNIQUE (delivery_id, ordinal)
);
