-- The mail outbox and "Hör av dig" (contact the coordinator).
-- Times are BIGINT seconds since the epoch, UTC.

-- Mail waiting to be sent, and mail sent. A row is queued in the same
-- transaction as whatever causes it, and sent later by the mail worker
-- (src/mail/worker.c). A worker owns a row while claimed_until lies in the
-- future, so several servers on one database never send the same mail twice.
CREATE TABLE mail_outbox (
	id {{id}},
	created_at BIGINT NOT NULL,
	recipient TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,                  -- plain text; emptied once the mail is sent
	message_id TEXT NOT NULL,            -- the Message-ID header, kept the same over retries
	attempts BIGINT NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	claimed_until BIGINT,                -- lease of the worker sending it now
	sent_at BIGINT,
	given_up_at BIGINT,                  -- after days of failures; an administrator can queue it again
	last_error TEXT NOT NULL DEFAULT '',
	last_attempt_at BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, given_up_at, next_attempt_at);

-- Messages sent through the contact form. Personal data (name, e-mail, the
-- message and answers) is erased some time after a message is handled; the
-- row stays, with erased_at set, so that counts and the history of
-- statuses survive.
CREATE TABLE contact_messages (
	id {{id}},
	reference TEXT NOT NULL UNIQUE,      -- shown to the sender, e.g. 'K-7QXM-4D2P'
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	topic TEXT NOT NULL,                 -- a name from contact_topics[] in src/contact/contact.c
	area TEXT NOT NULL DEFAULT '',       -- where it concerns, when the sender said
	name TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL,
	lang TEXT NOT NULL DEFAULT 'sv',     -- the sender's language, for answers and receipts
	status TEXT NOT NULL DEFAULT 'new',  -- new, answered, handled
	handled_at BIGINT,
	erased_at BIGINT
);
CREATE INDEX contact_messages_status ON contact_messages(status, created_at);

-- What happened to each message: received, answered (with the answer),
-- handled, reopened, erased.
CREATE TABLE contact_events (
	id {{id}},
	message_id BIGINT NOT NULL REFERENCES contact_messages(id) ON DELETE CASCADE,
	at BIGINT NOT NULL,
	user_id BIGINT,                      -- NULL: the sender or the system
	kind TEXT NOT NULL,
	text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contact_events_message ON contact_events(message_id, at);
