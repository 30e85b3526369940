-- The installed base (R2, R3.2, R3.8, R5.2): customers' sites, product models and the
-- versioned warranty policy of each product line, units, and deliveries. Calendar dates
-- are TEXT 'YYYY-MM-DD' (they sort as dates); instants stay INTEGER epoch milliseconds.

-- A customer's sites. Ordinal 1 is the customer's own address, kept in step with it.
CREATE TABLE sites (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id    INTEGER NOT NULL CONSTRAINT sites_customer_fkey REFERENCES customers (id),
    ordinal        INTEGER NOT NULL,
    name           TEXT,
    address        TEXT    NOT NULL,
    region         TEXT    NOT NULL,
    region_reason  TEXT,
    contact_name   TEXT,
    contact_phone  TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT sites_customer_ordinal_key UNIQUE (customer_id, ordinal)
);
CREATE INDEX sites_customer_address ON sites (customer_id, address);

INSERT INTO sites (customer_id, ordinal, name, address, region, region_reason,
                   contact_name, contact_phone, created_at, updated_at)
SELECT c.id, 1, NULL, c.address, c.region, c.region_reason,
       (SELECT k.name FROM customer_contacts k WHERE k.customer_id = c.id ORDER BY k.ordinal LIMIT 1),
       (SELECT k.phone FROM customer_contacts k WHERE k.customer_id = c.id ORDER BY k.ordinal LIMIT 1),
       c.created_at, c.updated_at
FROM customers c;

CREATE TABLE product_models (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    code          TEXT    NOT NULL CONSTRAINT product_models_code_key UNIQUE,
    name          TEXT    NOT NULL,
    product_line  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX product_models_line ON product_models (product_line);

-- Versions of a product line's policy; the one in force on a unit's commissioning date
-- covers it. Versions are added, never changed.
CREATE TABLE warranty_policies (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    product_line        TEXT    NOT NULL,
    effective_from      TEXT    NOT NULL,
    warranty_months     INTEGER NOT NULL,
    free_repair_months  INTEGER NOT NULL,
    after_free_repair   TEXT    NOT NULL,
    created_by          INTEGER REFERENCES users (id),
    created_at          INTEGER NOT NULL,
    CONSTRAINT warranty_policies_line_from_key UNIQUE (product_line, effective_from)
);

-- R3.2: a shipment to a site, tracked by the customer's salesperson to acceptance.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL CONSTRAINT deliveries_customer_fkey REFERENCES customers (id),
    site_id         INTEGER NOT NULL CONSTRAINT deliveries_site_fkey REFERENCES sites (id),
    salesperson_id  INTEGER CONSTRAINT deliveries_salesperson_fkey REFERENCES users (id),
    reference       TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    shipped_on      TEXT    NOT NULL,
    arrived_at      INTEGER,
    counted_at      INTEGER,
    accepted_at     INTEGER,
    accepted_by     TEXT,
    notes           TEXT,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX deliveries_customer ON deliveries (customer_id, id);
CREATE INDEX deliveries_open ON deliveries (salesperson_id, shipped_on) WHERE status <> 'accepted';

CREATE TABLE units (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id         INTEGER NOT NULL CONSTRAINT units_model_fkey REFERENCES product_models (id),
    serial_no        TEXT    NOT NULL,
    customer_id      INTEGER NOT NULL CONSTRAINT units_customer_fkey REFERENCES customers (id),
    site_id          INTEGER NOT NULL CONSTRAINT units_site_fkey REFERENCES sites (id),
    delivery_id      INTEGER CONSTRAINT units_delivery_fkey REFERENCES deliveries (id),
    shipped_on       TEXT,
    accepted_on      TEXT,
    commissioned_on  TEXT,
    notes            TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT units_model_serial_key UNIQUE (model_id, serial_no)
);
CREATE INDEX units_customer ON units (customer_id, id);
CREATE INDEX units_site ON units (site_id, id);
CREATE INDEX units_serial ON units (serial_no);
CREATE INDEX units_delivery ON units (delivery_id) WHERE delivery_id IS NOT NULL;

-- Where a ticket's work is, the unit it is about, and the unit's coverage on the day the
-- contact was received: recorded once, never recomputed (R2 decision).
ALTER TABLE tickets ADD COLUMN site_id INTEGER REFERENCES sites (id);
ALTER TABLE tickets ADD COLUMN unit_id INTEGER REFERENCES units (id);
ALTER TABLE tickets ADD COLUMN coverage_kind TEXT;
ALTER TABLE tickets ADD COLUMN coverage TEXT;
UPDATE tickets SET site_id = (SELECT s.id FROM sites s WHERE s.customer_id = tickets.customer_id AND s.ordinal = 1);
CREATE INDEX tickets_unit ON tickets (unit_id, id) WHERE unit_id IS NOT NULL;
CREATE INDEX tickets_site ON tickets (site_id, id);
