-- The audit chain (R1.4): every entry carries the hash of the entry before it
-- (`sanbao_domain::audit::chain`), computed by the store as it appends; `audit_head` keeps
-- where the chain ends, so entries removed from the end show too, and its row is the lock
-- that makes appends take their turn (`SELECT … FOR UPDATE`).
--
-- Entries written before this migration keep no hash: `audit_head.pre_chain_through` names
-- the last of them, and the chain starts at the first entry after it, following the
-- genesis hash (64 zeros). `sanbao audit verify` counts them apart, as not covered.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT, ADD COLUMN hash TEXT;

CREATE TABLE audit_head (
    id                SMALLINT PRIMARY KEY CHECK (id = 1),
    last_id           BIGINT,
    hash              TEXT,
    pre_chain_through BIGINT
);
INSERT INTO audit_head (id, last_id, hash, pre_chain_through)
SELECT 1, NULL, NULL, MAX(id) FROM audit_log;

-- UPDATE and DELETE are refused row by row (0001); TRUNCATE fires no row trigger.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The head has its one row, which only moves forward.
CREATE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit_head has one row';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.pre_chain_through IS DISTINCT FROM OLD.pre_chain_through
       OR NEW.last_id IS NULL
       OR NEW.hash IS NULL
       OR (OLD.last_id IS NOT NULL AND NEW.last_id <= OLD.last_id) THEN
        RAISE EXCEPTION 'the audit head only moves forward';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_head_forward BEFORE INSERT OR UPDATE OR DELETE ON audit_head
FOR EACH ROW EXECUTE FUNCTION audit_head_forward();
CREATE FUNCTION audit_head_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_head has one row'; END $$;
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
FOR EACH STATEMENT EXECUTE FUNCTION audit_head_no_truncate();
