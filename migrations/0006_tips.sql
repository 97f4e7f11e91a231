-- Tips to the police (src/tips/). Nothing in these tables can be read
-- without a police officer's password or a live login of one: every tip,
-- message and attachment key is sealed to the police unit's public key, whose
-- secret half is stored only sealed to each officer's own key, whose secret
-- half is stored only wrapped with a key derived from that officer's password
-- (or, for one login session, from the token in the officer's cookie). See
-- the header of src/tips/tip_crypto.c.
-- Times of tips are whole days (UTC midnight, seconds since the epoch):
-- nothing finer is kept about when a tipster wrote.

-- The police unit's key pair. Normally one row; a rotation adds the new key,
-- moves everything to it and deletes the old one in one transaction. Rows
-- that hold something sealed to a key reference it, so a tip sealed to a key
-- that a concurrent rotation is retiring makes that rotation fail and be
-- tried again instead of leaving the tip unreadable.
CREATE TABLE tip_unit_keys (
	id {{id}},
	public_key {{blob}} NOT NULL,          -- X25519, in the clear
	created_day BIGINT NOT NULL
);

-- Each officer's own key pair (ROLE_POLIS): the public key in the clear, the
-- secret key wrapped with argon2id(password, salt) -> crypto_secretbox. An
-- officer key without a row in tip_unit_access is a request for access that
-- another officer has not yet approved.
CREATE TABLE tip_officer_keys (
	user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	public_key {{blob}} NOT NULL,
	pw_salt {{blob}} NOT NULL,
	pw_opslimit BIGINT NOT NULL,
	pw_memlimit BIGINT NOT NULL,
	wrapped_secret {{blob}} NOT NULL,      -- nonce || secretbox(secret key)
	created_at BIGINT NOT NULL
);

-- Access to the unit key: its secret key sealed to an officer's public key.
CREATE TABLE tip_unit_access (
	user_id BIGINT PRIMARY KEY REFERENCES tip_officer_keys(user_id) ON DELETE CASCADE,
	unit_key_id BIGINT NOT NULL REFERENCES tip_unit_keys(id),
	sealed_secret {{blob}} NOT NULL,
	granted_by BIGINT,                     -- the approving officer; NULL for `trygg tips init-key`
	granted_at BIGINT NOT NULL
);

-- An officer's secret key for one login session, wrapped with a key derived
-- from the session token in the officer's cookie (which the database never
-- holds: sessions.id is another hash of it). Goes with the session.
CREATE TABLE tip_officer_sessions (
	session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	wrapped_secret {{blob}} NOT NULL       -- nonce || secretbox(officer secret key)
);

-- The tips. Status, tags, area and assignment are the police's own metadata,
-- in the clear; what the tipster wrote is only in `sealed`.
CREATE TABLE tips (
	id {{id}},
	received_day BIGINT NOT NULL,
	receipt_lookup TEXT NOT NULL UNIQUE,   -- keyed hash of the receipt code (an index, not a secret)
	unit_key_id BIGINT NOT NULL REFERENCES tip_unit_keys(id),
	sealed {{blob}} NOT NULL,              -- the tip (JSON), sealed to the unit key
	status TEXT NOT NULL DEFAULT 'new',    -- new, read, handling, closed
	area_id BIGINT,                        -- set by the police (areas.id); NULL: not set
	assigned_to BIGINT REFERENCES users(id) ON DELETE SET NULL,
	closed_day BIGINT,
	police_unread BIGINT NOT NULL DEFAULT 0, -- the tipster has answered since an officer last opened it
	tipster_public_key {{blob}} NOT NULL,  -- questions and answers are also sealed to it
	tipster_salt {{blob}} NOT NULL,
	tipster_opslimit BIGINT NOT NULL,
	tipster_memlimit BIGINT NOT NULL,
	tipster_wrapped_secret {{blob}} NOT NULL -- nonce || secretbox(tipster secret key), key argon2id(passphrase)
);
CREATE INDEX tips_status ON tips(status, id);

-- Types of crime a tip is tagged with (names from tip_crime_types[] in src/tips/store.c).
CREATE TABLE tip_tags (
	tip_id BIGINT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
	crime_type TEXT NOT NULL,
	PRIMARY KEY (tip_id, crime_type)
);

-- The conversation: questions from the police and answers from the tipster,
-- each sealed to the unit key and to the tipster's key.
CREATE TABLE tip_messages (
	id {{id}},
	tip_id BIGINT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
	day BIGINT NOT NULL,
	from_police BIGINT NOT NULL,
	author_id BIGINT REFERENCES users(id) ON DELETE SET NULL, -- the officer; NULL for the tipster
	unit_key_id BIGINT NOT NULL REFERENCES tip_unit_keys(id),
	sealed_unit {{blob}} NOT NULL,
	sealed_tipster {{blob}} NOT NULL
);
CREATE INDEX tip_messages_tip ON tip_messages(tip_id, id);

-- Photos: re-encoded without metadata, encrypted with crypto_secretstream
-- under a random file key into DATA_DIR/tips/FILE; the file key is sealed to
-- the unit key. Deleting the row makes the file unreadable even before the
-- file itself is removed.
CREATE TABLE tip_attachments (
	id {{id}},
	tip_id BIGINT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
	file TEXT NOT NULL UNIQUE,             -- random name, nothing from the tipster
	unit_key_id BIGINT NOT NULL REFERENCES tip_unit_keys(id),
	sealed_key {{blob}} NOT NULL
);
CREATE INDEX tip_attachments_tip ON tip_attachments(tip_id, id);

-- A tipster's visit to the conversation (receipt and passphrase given): the
-- tipster's secret key wrapped with a key derived from the token in a
-- browser-session cookie. Deleted when the tipster ends the visit, and when
-- it expires.
CREATE TABLE tip_visits (
	id TEXT PRIMARY KEY,                   -- hash of the token; the token is only in the cookie
	tip_id BIGINT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
	wrapped_secret {{blob}} NOT NULL,
	expires_at BIGINT NOT NULL
);
