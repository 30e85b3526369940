-- Where notifications go: each person's e-mail address, the mail server, the chat robots,
-- and an index for the unread count every page shows.
ALTER TABLE users ADD COLUMN email TEXT;

-- The mail server (one row, id 1). The password is kept for sending and never shown.
CREATE TABLE notify_mail (
    id            INTEGER  PRIMARY KEY CHECK (id = 1),
    host          TEXT    NOT NULL,
    port          INTEGER  NOT NULL,
    security      TEXT    NOT NULL,
    username      TEXT,
    password      TEXT,
    from_address  TEXT    NOT NULL,
    enabled       BOOLEAN NOT NULL,
    site_url      TEXT,
    updated_at    INTEGER  NOT NULL
);

-- Group robots of the chat tools (wecom, dingtalk, feishu): the department's group
-- (user_id NULL) or one person's.
CREATE TABLE notify_robots (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    secret      TEXT,
    user_id     INTEGER  REFERENCES users (id) ON DELETE CASCADE,
    enabled     BOOLEAN NOT NULL,
    created_at  INTEGER  NOT NULL,
    updated_at  INTEGER  NOT NULL
);
CREATE INDEX notify_robots_user ON notify_robots (user_id);

CREATE INDEX inbox_messages_unread ON inbox_messages (user_id) WHERE read_at IS NULL;
