-- A controlled document can be retired (withdrawn from use) by the managers, with a
-- reason: it leaves the library's current list and the jobs' documents, and its versions
-- stay downloadable for the record. Not retired while `retired_at` is NULL.
ALTER TABLE documents ADD COLUMN retired_at INTEGER;
ALTER TABLE documents ADD COLUMN retired_by INTEGER CONSTRAINT documents_retired_by_fkey REFERENCES users (id);
ALTER TABLE documents ADD COLUMN retired_reason TEXT;
