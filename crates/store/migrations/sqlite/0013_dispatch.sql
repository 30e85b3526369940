-- Dispatch (issue 8): each technician's base and the product lines they know, and how road
-- time is estimated (one row; the defaults apply while there is none).
CREATE TABLE technicians (
    user_id        INTEGER PRIMARY KEY CONSTRAINT technicians_user_fkey REFERENCES users (id),
    base_address   TEXT,
    -- A JSON array of product-line codes, as product_models names them.
    product_lines  TEXT    NOT NULL DEFAULT '[]',
    updated_by     INTEGER NOT NULL CONSTRAINT technicians_updated_by_fkey REFERENCES users (id),
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE field_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    road_kmh         INTEGER NOT NULL,
    road_factor_pct  INTEGER NOT NULL,
    setup_minutes    INTEGER NOT NULL,
    updated_by       INTEGER NOT NULL CONSTRAINT field_settings_updated_by_fkey REFERENCES users (id),
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
