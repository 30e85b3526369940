-- The monthly report and the settlement find the jobs begun in a month by their arrivals
-- on site in it.
CREATE INDEX trips_arrived ON trips (arrived_at, job_id) WHERE arrived_at IS NOT NULL;
