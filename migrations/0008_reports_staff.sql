-- Felanmälan, the staff side (src/reports/staff*.c): units that reports are
-- assigned to, reusable response texts, and reports forwarded to the police.
-- Times are BIGINT seconds since the epoch, UTC.

-- The municipality's units that handle reports ("Gatuenheten",
-- "Parkenheten"): data that a samordnare or admin edits.
CREATE TABLE report_units (
	id {{id}},
	name TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL
);

-- Which unit a staff member works in (at most one), for the inbox's "my unit".
CREATE TABLE report_unit_members (
	user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	unit_id BIGINT NOT NULL REFERENCES report_units(id) ON DELETE CASCADE
);

-- A report is assigned to a staff account (reports.assigned_to, 0007)
-- and/or to a unit.
ALTER TABLE reports ADD COLUMN unit_id BIGINT REFERENCES report_units(id);
CREATE INDEX reports_assigned ON reports(assigned_to);
CREATE INDEX reports_unit ON reports(unit_id);

-- Reusable response texts (Swedish) that fill the public update text.
CREATE TABLE report_templates (
	id {{id}},
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- A report forwarded to the police because it concerns a crime (at most
-- once per report). with_contact: the handler chose to let the police see
-- the reporter's contact details (default not).
CREATE TABLE report_police (
	report_id BIGINT PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
	forwarded_at BIGINT NOT NULL,
	forwarded_by BIGINT REFERENCES users(id),
	note TEXT NOT NULL DEFAULT '',
	with_contact BIGINT NOT NULL DEFAULT 0,
	received_at BIGINT,                  -- NULL until the police mark it received
	received_by BIGINT REFERENCES users(id),
	received_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_police_forwarded ON report_police(forwarded_at);
