-- Dispatch (issue 8): each technician's base and the product lines they know, and how road
-- time is estimated (one row; the defaults apply while there is none).
CREATE TABLE technicians (
    user_id        BIGINT  PRIMARY KEY CONSTRAINT technicians_user_fkey REFERENCES users (id),
    base_address   TEXT,
    -- A JSON array of product-line codes, as product_models names them.
    product_lines  TEXT    NOT NULL DEFAULT '[]',
    updated_by     BIGINT  NOT NULL CONSTRAINT technicians_updated_by_fkey REFERENCES users (id),
    updated_at     BIGINT  NOT NULL,
    version        BIGINT  NOT NULL DEFAULT 1
);
CREATE TABLE field_settings (
    id               BIGINT  PRIMARY KEY CHECK (id = 1),
    road_kmh         BIGINT  NOT NULL,
    road_factor_pct  BIGINT  NOT NULL,
    setup_minutes    BIGINT  NOT NULL,
    updated_by       BIGINT  NOT NULL CONSTRAINT field_settings_updated_by_fkey REFERENCES users (id),
    updated_at       BIGINT  NOT NULL,
    version          BIGINT  NOT NULL DEFAULT 1
);
