-- The platform: settings, staff accounts, login sessions, login throttling, audit log.
-- Times are INTEGER/BIGINT seconds since the epoch, UTC.

CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE users (
	id {{id}},
	email TEXT NOT NULL UNIQUE,          -- stored lower-case
	name TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,         -- argon2id, libsodium's string format
	roles BIGINT NOT NULL DEFAULT 0,     -- bit mask, see enum role
	disabled BIGINT NOT NULL DEFAULT 0,
	must_change_password BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	password_changed_at BIGINT NOT NULL
);

CREATE TABLE sessions (
	id TEXT PRIMARY KEY,                 -- hash of the token in the cookie; the token itself is not stored
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL           -- absolute expiry
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_throttle (
	key TEXT PRIMARY KEY,                -- 'account:' || e-mail, or 'address:' || keyed hash of the address
	failures BIGINT NOT NULL,
	window_start BIGINT NOT NULL,
	locked_until BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
	id {{id}},
	at BIGINT NOT NULL,
	user_id BIGINT,                      -- NULL for the system
	action TEXT NOT NULL,                -- e.g. 'user.create', 'report.view_contact'
	object TEXT NOT NULL DEFAULT '',     -- e.g. 'user:12'
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_user ON audit_log(user_id, at);
