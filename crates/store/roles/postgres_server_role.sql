-- What the server's role may do on PostgreSQL: everything the server does, except change
-- the schema and change or remove audit entries. Run as the schema's owner (the role
-- that runs `sanbao migrate`), connected to the database, after migrating.
GRANT USAGE ON SCHEMA public TO sanbao_server;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sanbao_server;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sanbao_server;
-- The audit log: read and append only. Its head: read, and move forward.
REVOKE UPDATE, DELETE ON audit_log FROM sanbao_server;
REVOKE UPDATE, DELETE ON audit_head FROM sanbao_server;
GRANT UPDATE (last_id, hash) ON audit_head TO sanbao_server;
-- Which migrations ran: read only (the server checks the schema is up to date).
REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM sanbao_server;
-- Tables and sequences later migrations create (as the owner) are the server's too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sanbao_server;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO sanbao_server;
