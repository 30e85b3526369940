-- The audit chain (R1.4): every entry carries the hash of the entry before it
-- (`sanbao_domain::audit::chain`), computed by the store as it appends; `audit_head` keeps
-- where the chain ends, so entries removed from the end show too.
--
-- Entries written before this migration keep no hash: `audit_head.pre_chain_through` names
-- the last of them, and the chain starts at the first entry after it, following the
-- genesis hash (64 zeros). `sanbao audit verify` counts them apart, as not covered.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE TABLE audit_head (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    last_id           INTEGER,
    hash              TEXT,
    pre_chain_through INTEGER
);
INSERT INTO audit_head (id, last_id, hash, pre_chain_through)
SELECT 1, NULL, NULL, MAX(id) FROM audit_log;

-- `INSERT OR REPLACE` / `REPLACE` over an existing entry would delete it without firing
-- the delete trigger (recursive_triggers is off): refuse any insert naming an id in use.
CREATE TRIGGER audit_log_no_overwrite BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The head has its one row, which only moves forward.
CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.id IS NOT OLD.id
  OR NEW.pre_chain_through IS NOT OLD.pre_chain_through
  OR NEW.last_id IS NULL
  OR NEW.hash IS NULL
  OR (OLD.last_id IS NOT NULL AND NEW.last_id <= OLD.last_id)
BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END;
