-- The life story reads each source by its customer or unit (R3.8, R5.2).
CREATE INDEX jobs_customer ON jobs (customer_id, id);
CREATE INDEX jobs_unit ON jobs (unit_id, id) WHERE unit_id IS NOT NULL;
CREATE INDEX campaign_targets_customer ON campaign_targets (customer_id) WHERE response IS NOT NULL;
CREATE INDEX training_sessions_customer ON training_sessions (customer_id, held_on) WHERE customer_id IS NOT NULL;
