/*
 * outbox.c — queueing mail, and claiming and recording it for the worker
 * (see mail.h and outbox.h). Every statement is one SQL text for both
 * databases.
 *
 * Claiming is a conditional UPDATE: it sets the lease only where no other
 * worker holds a live one, and the number of changed rows says who won.
 */
#include "mail/outbox.h"
#include "core/util.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

static const char SQL_INSERT[] =
	"INSERT INTO mail_outbox (created_at, recipient, subject, body, message_id, next_attempt_at)"
	" VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_DUE[] =
	"SELECT id FROM mail_outbox WHERE sent_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ?"
	" AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_attempt_at, id LIMIT ?";
static const char SQL_CLAIM[] =
	"UPDATE mail_outbox SET claimed_until = ? WHERE id = ? AND sent_at IS NULL AND given_up_at IS NULL"
	" AND (claimed_until IS NULL OR claimed_until < ?)";
static const char SQL_READ[] =
	"SELECT recipient, subject, body, message_id, created_at, attempts FROM mail_outbox WHERE id = ?";
static const char SQL_SENT[] =
	"UPDATE mail_outbox SET sent_at = ?, last_attempt_at = ?, attempts = attempts + 1, claimed_until = NULL,"
	" last_error = '', body = '' WHERE id = ?";
static const char SQL_FAILED[] =
	"UPDATE mail_outbox SET last_attempt_at = ?, attempts = attempts + 1, claimed_until = NULL,"
	" last_error = ?, next_attempt_at = ?, given_up_at = ? WHERE id = ?";
static const char SQL_PURGE[] =
	"DELETE FROM mail_outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) OR (given_up_at IS NOT NULL AND given_up_at < ?)";
static const char SQL_RETRY_ALL[] =
	"UPDATE mail_outbox SET next_attempt_at = ?, given_up_at = NULL WHERE sent_at IS NULL";

/* True when text holds a byte that must not be in a header (CR, LF, other controls). */
static bool has_control(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

int mail_enqueue(db_conn *c, const char *to, const char *subject, const char *text_body)
{
	if (to == NULL || strchr(to, '@') == NULL || has_control(to) || strpbrk(to, "<> ,;") ||
	    has_control(subject) || strlen(subject) > MAIL_SUBJECT_MAX_BYTES ||
	    strlen(text_body) > MAIL_BODY_MAX_BYTES)
		return -1;
	unsigned char raw[16];
	char id[sizeof(raw) * 2 + 1];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	int64_t now = (int64_t)time(NULL);
	db_stmt *s = db_prepare(c, SQL_INSERT);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, now);
	db_bind_text(s, 2, to);
	db_bind_text(s, 3, subject);
	db_bind_text(s, 4, text_body);
	db_bind_text(s, 5, id);
	db_bind_int(s, 6, now);
	return db_step(s) == DB_DONE ? 0 : -1;
}

int outbox_due(db_conn *c, int64_t now, int64_t *ids, int max)
{
	int n = 0, rc;
	if (db_begin_read(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_DUE);
	if (s == NULL) {
		db_rollback(c);
		return -1;
	}
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, now);
	db_bind_int(s, 3, max);
	while (n < max && (rc = db_step(s)) == DB_ROW)
		ids[n++] = db_column_int(s, 0);
	if (n < max && rc == DB_ERROR) {
		db_rollback(c);
		return -1;
	}
	db_commit(c);
	return n;
}

int outbox_claim(db_conn *c, arena *a, int64_t id, int64_t now, outbox_mail *m)
{
	int claimed = 0;
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_CLAIM);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, now + OUTBOX_LEASE_SECONDS);
	db_bind_int(s, 2, id);
	db_bind_int(s, 3, now);
	if (db_step(s) != DB_DONE)
		goto fail;
	if (db_changes(s) == 1) {
		s = db_prepare(c, SQL_READ);
		if (s == NULL)
			goto fail;
		db_bind_int(s, 1, id);
		if (db_step(s) != DB_ROW)
			goto fail;
		m->id = id;
		m->to = arena_strdup(a, db_column_text(s, 0));
		m->subject = arena_strdup(a, db_column_text(s, 1));
		m->body = arena_strdup(a, db_column_text(s, 2));
		m->message_id = arena_strdup(a, db_column_text(s, 3));
		m->created_at = db_column_int(s, 4);
		m->attempts = db_column_int(s, 5);
		db_step(s);
		claimed = 1;
	}
	if (db_commit(c) != 0)
		goto fail;
	return claimed;
fail:
	db_rollback(c);
	return -1;
}

/* Runs one UPDATE or DELETE prepared by the caller in a write transaction of its own. */
static int run_write(db_conn *c, db_stmt *s)
{
	if (s == NULL || db_step(s) != DB_DONE || db_commit(c) != 0) {
		db_rollback(c);
		return -1;
	}
	return 0;
}

int outbox_record_sent(db_conn *c, int64_t id, int64_t now)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_SENT);
	if (s) {
		db_bind_int(s, 1, now);
		db_bind_int(s, 2, now);
		db_bind_int(s, 3, id);
	}
	return run_write(c, s);
}

int outbox_record_failure(db_conn *c, int64_t id, int64_t now, int64_t next_at, bool give_up, const char *error)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_FAILED);
	if (s) {
		db_bind_int(s, 1, now);
		db_bind_text(s, 2, error);
		db_bind_int(s, 3, next_at);
		if (give_up)
			db_bind_int(s, 4, now);
		else
			db_bind_null(s, 4);
		db_bind_int(s, 5, id);
	}
	return run_write(c, s);
}

int outbox_purge(db_conn *c, int64_t now)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_PURGE);
	if (s) {
		db_bind_int(s, 1, now - OUTBOX_KEEP_SENT_SECONDS);
		db_bind_int(s, 2, now - OUTBOX_KEEP_SENT_SECONDS);
	}
	return run_write(c, s);
}

int64_t outbox_retry_all(db_conn *c, int64_t now)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_RETRY_ALL);
	if (s != NULL)
		db_bind_int(s, 1, now);
	if (s == NULL || db_step(s) != DB_DONE) {
		db_rollback(c);
		return -1;
	}
	int64_t n = db_changes(s);
	if (db_commit(c) != 0) {
		db_rollback(c);
		return -1;
	}
	return n;
}
