-- Felanmälan with a million reports (bench/reports.sh): the public list, the
-- feeds and Open311 GET requests walk reports newest first and filter by
-- point, update time, status, area and category. With every one of those
-- columns in the index beside requested_at and id, the database tests each
-- report's filters on the index entry alone and reads only the rows that
-- match, instead of every row of the time window (for a neighbourhood's bbox
-- over 90 days: about 1,000 rows read instead of about 80,000).
CREATE INDEX reports_newest_filters ON reports(requested_at, id, has_point, lat, lon, updated_at, is_open, area_id,
	category_id);
DROP INDEX reports_requested;
