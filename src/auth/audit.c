/*
 * audit.c — the audit log: who did what to which object, and when (see auth.h).
 *
 * Entries are only ever added; nothing in Trygg changes or deletes them. The
 * reader serves the administrators' page: newest first, filtered by a prefix
 * of the action ("user." for every change to accounts) and by user, a page
 * at a time. What this file does not do: decide what is audited (callers do,
 * mostly through web_audit()).
 */
#include "auth/auth.h"

#include <string.h>
#include <time.h>

static const char SQL_INSERT[] =
	"INSERT INTO audit_log (at, user_id, action, object, detail) VALUES (?, ?, ?, ?, ?)";
/* Both filters are optional: a leading flag of 0 switches each off, so that
 * one statement (bound, never assembled) serves every combination. */
static const char SQL_READ[] =
	"SELECT a.id, a.at, a.user_id, u.email, a.action, a.object, a.detail"
	" FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
	" WHERE (? = 0 OR substr(a.action, 1, ?) = ?) AND (? = 0 OR a.user_id = ?)"
	" ORDER BY a.at DESC, a.id DESC LIMIT ? OFFSET ?";

int audit_write(db_conn *c, int64_t user_id, const char *action, const char *object, const char *detail)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_INSERT);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, (int64_t)time(NULL));
	if (user_id > 0)
		db_bind_int(s, 2, user_id);
	else
		db_bind_null(s, 2);
	db_bind_text(s, 3, action);
	db_bind_text(s, 4, object ? object : "");
	db_bind_text(s, 5, detail ? detail : "");
	if (db_step(s) != DB_DONE)
		goto fail;
	return db_commit(c);
fail:
	db_rollback(c);
	return -1;
}

/* The number of characters (code points) in UTF-8 text, as substr() counts. */
static int64_t utf8_chars(const char *s)
{
	int64_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int audit_read(db_conn *c, const audit_query *q, int (*fn)(void *ud, const audit_entry *e), void *ud)
{
	const char *prefix = q->action_prefix ? q->action_prefix : "";
	int count = 0;
	db_stmt *s = db_prepare(c, SQL_READ);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, *prefix != '\0');
	db_bind_int(s, 2, utf8_chars(prefix));
	db_bind_text(s, 3, prefix);
	db_bind_int(s, 4, q->user_id > 0);
	db_bind_int(s, 5, q->user_id);
	db_bind_int(s, 6, q->limit > 0 ? q->limit : 0);
	db_bind_int(s, 7, q->offset > 0 ? q->offset : 0);
	int step;
	bool stop = false;
	while ((step = db_step(s)) == DB_ROW) {
		if (stop)
			continue; /* run to the end so that the statement does not stay open */
		const char *email = db_column_text(s, 3);
		audit_entry e = {
			.id = db_column_int(s, 0),
			.at = db_column_int(s, 1),
			.user_id = db_column_is_null(s, 2) ? 0 : db_column_int(s, 2),
			.user_email = email ? email : "",
			.action = db_column_text(s, 4),
			.object = db_column_text(s, 5),
			.detail = db_column_text(s, 6),
		};
		count++;
		stop = fn(ud, &e) != 0;
	}
	return step == DB_DONE ? count : -1;
}
