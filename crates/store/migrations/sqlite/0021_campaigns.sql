-- The yearly customer visit campaign (R3.9).
--
-- A campaign's definition (channels, targeting, questionnaire) is kept as JSON; launching
-- fixes its targets, one row per customer with its assignee and, once recorded, the
-- customer's response (JSON). Only the SHA-256 of a questionnaire link's token is kept;
-- the link works once (the version check refuses a second answer) and expires.
CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    year         INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    definition   TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_by   INTEGER NOT NULL CONSTRAINT campaigns_created_by_fkey REFERENCES users (id),
    launched_at  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX campaigns_year ON campaigns (year, id);

CREATE TABLE campaign_targets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id       INTEGER NOT NULL CONSTRAINT campaign_targets_campaign_fkey REFERENCES campaigns (id),
    customer_id       INTEGER NOT NULL CONSTRAINT campaign_targets_customer_fkey REFERENCES customers (id),
    region            TEXT    NOT NULL,
    assignee_id       INTEGER CONSTRAINT campaign_targets_assignee_fkey REFERENCES users (id),
    response          TEXT,
    responded_at      INTEGER,
    token_hash        TEXT,
    token_expires_at  INTEGER,
    version           INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT campaign_targets_customer_key UNIQUE (campaign_id, customer_id),
    CONSTRAINT campaign_targets_token_key UNIQUE (token_hash)
);
CREATE INDEX campaign_targets_assignee ON campaign_targets (assignee_id, campaign_id);
