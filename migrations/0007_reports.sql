-- Felanmälan: fault reports from residents (web form and Open311 GeoReport v2).
-- Times are BIGINT seconds since the epoch, UTC.

-- The categories a resident chooses from (Open311 "services"), grouped as
-- gata / park / parkering, with names in Swedish and English. Data, edited
-- by staff; codes are never reused (a category is retired, not deleted).
CREATE TABLE report_categories (
	id {{id}},
	code TEXT NOT NULL UNIQUE,           -- Open311 service_code: letters, digits and '-'
	group_code TEXT NOT NULL,            -- gata, park, parkering
	name_sv TEXT NOT NULL,
	name_en TEXT NOT NULL,
	description_sv TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	keywords TEXT NOT NULL DEFAULT '',   -- comma separated, for Open311 clients
	sort_order BIGINT NOT NULL DEFAULT 0,
	active BIGINT NOT NULL DEFAULT 1
);

-- Extra questions of a category (Open311 service definition attributes).
CREATE TABLE report_attributes (
	id {{id}},
	category_id BIGINT NOT NULL REFERENCES report_categories(id),
	code TEXT NOT NULL,
	datatype TEXT NOT NULL,              -- string, number, datetime, text, singlevaluelist, multivaluelist
	required BIGINT NOT NULL DEFAULT 0,
	name_sv TEXT NOT NULL,
	name_en TEXT NOT NULL,
	hint_sv TEXT NOT NULL DEFAULT '',
	hint_en TEXT NOT NULL DEFAULT '',
	choices TEXT NOT NULL DEFAULT '',    -- list types: one "key|name_sv|name_en" per line
	sort_order BIGINT NOT NULL DEFAULT 0,
	UNIQUE (category_id, code)
);

-- One fault report. The reporter's name, e-mail and phone are personal data:
-- shown to staff only, never in a public page or API answer.
CREATE TABLE reports (
	id {{id}},
	category_id BIGINT NOT NULL REFERENCES report_categories(id),
	status TEXT NOT NULL DEFAULT 'received', -- see report_statuses[] in src/reports/report_status.c
	is_open BIGINT NOT NULL DEFAULT 1,   -- the Open311 open/closed of status
	area_id BIGINT,                      -- from area_locate(), or chosen; NULL: unknown
	has_point BIGINT NOT NULL DEFAULT 0,
	lat {{real}},
	lon {{real}},
	address TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	requested_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	expected_at BIGINT,
	closed_at BIGINT,
	source TEXT NOT NULL,                -- web or api
	api_key_id BIGINT,
	public_token TEXT NOT NULL UNIQUE,   -- Open311 token (public)
	follow_hash TEXT NOT NULL UNIQUE,    -- hash of the resident's private follow-up token
	reporter_name TEXT NOT NULL DEFAULT '',
	reporter_email TEXT NOT NULL DEFAULT '',
	reporter_phone TEXT NOT NULL DEFAULT '',
	device_id TEXT NOT NULL DEFAULT '',
	account_id TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT 'sv',
	supporters BIGINT NOT NULL DEFAULT 0,
	duplicate_of BIGINT,
	assigned_to BIGINT,
	personal_erased_at BIGINT
);
CREATE INDEX reports_requested ON reports(requested_at, id);
CREATE INDEX reports_updated ON reports(updated_at);
CREATE INDEX reports_point ON reports(lat, lon);
CREATE INDEX reports_category ON reports(category_id, is_open);

-- Answers to a category's extra questions.
CREATE TABLE report_values (
	id {{id}},
	report_id BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
	code TEXT NOT NULL,
	value TEXT NOT NULL
);
CREATE INDEX report_values_report ON report_values(report_id);

-- Photos: uploaded ones (re-encoded, files under data_dir/reports/), or a
-- URL given by an Open311 client (media_url).
CREATE TABLE report_photos (
	id {{id}},
	report_id BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	file TEXT NOT NULL DEFAULT '',       -- name under data_dir/reports/ ('' for a URL)
	url TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_photos_report ON report_photos(report_id);

-- The history of a report: status changes, public notes, internal notes,
-- information added by the resident, support from other residents.
CREATE TABLE report_updates (
	id {{id}},
	report_id BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
	at BIGINT NOT NULL,
	kind TEXT NOT NULL,                  -- created, status, note, internal, resident, support, withdrawn
	status TEXT NOT NULL,                -- the status after this update
	text TEXT NOT NULL DEFAULT '',
	public BIGINT NOT NULL DEFAULT 1,
	user_id BIGINT
);
CREATE INDEX report_updates_report ON report_updates(report_id, at);
CREATE INDEX report_updates_at ON report_updates(at, id);

-- Keys of third-party Open311 clients; only a hash of each key is kept.
CREATE TABLE report_api_keys (
	id {{id}},
	name TEXT NOT NULL,
	key_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT
);
