-- The yearly customer visit campaign (R3.9).
--
-- A campaign's definition (channels, targeting, questionnaire) is kept as JSON; launching
-- fixes its targets, one row per customer with its assignee and, once recorded, the
-- customer's response (JSON). Only the SHA-256 of a questionnaire link's token is kept;
-- the link works once (the version check refuses a second answer) and expires.
CREATE TABLE campaigns (
    id           BIGSERIAL PRIMARY KEY,
    year         BIGINT  NOT NULL,
    name         TEXT    NOT NULL,
    definition   TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_by   BIGINT  NOT NULL CONSTRAINT campaigns_created_by_fkey REFERENCES users (id),
    launched_at  BIGINT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    version      BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX campaigns_year ON campaigns (year, id);

CREATE TABLE campaign_targets (
    id                BIGSERIAL PRIMARY KEY,
    campaign_id       BIGINT  NOT NULL CONSTRAINT campaign_targets_campaign_fkey REFERENCES campaigns (id),
    customer_id       BIGINT  NOT NULL CONSTRAINT campaign_targets_customer_fkey REFERENCES customers (id),
    region            TEXT    NOT NULL,
    assignee_id       BIGINT  CONSTRAINT campaign_targets_assignee_fkey REFERENCES users (id),
    response          TEXT,
    responded_at      BIGINT,
    token_hash        TEXT,
    token_expires_at  BIGINT,
    version           BIGINT  NOT NULL DEFAULT 1,
    CONSTRAINT campaign_targets_customer_key UNIQUE (campaign_id, customer_id),
    CONSTRAINT campaign_targets_token_key UNIQUE (token_hash)
);
CREATE INDEX campaign_targets_assignee ON campaign_targets (assignee_id, campaign_id);
