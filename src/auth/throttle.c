/*
 * throttle.c — counting failed logins (see auth.h).
 *
 * Failures are counted under a key: 'account:' + the e-mail typed (whether or
 * not such an account exists, so that a lock tells nothing about accounts) and
 * 'address:' + a keyed hash of the client address (the address itself is
 * never stored). The first failure opens a window of cfg->login_window_minutes;
 * a failure past cfg->login_max_failures within it locks the key until the
 * window ends. A success clears the account's key (the caller decides which).
 * What this file does not do: decide what a locked login looks like (pages.c).
 */
#include "auth/auth.h"
#include "core/util.h"

#include <string.h>

static const char SQL_GET[] = "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = ?";
static const char SQL_PUT[] =
	"INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)"
	" ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,"
	" locked_until = excluded.locked_until";
static const char SQL_CLEAR[] = "DELETE FROM login_throttle WHERE key = ?";
/* Rows whose window and lock are both over count for nothing. */
static const char SQL_PURGE[] = "DELETE FROM login_throttle WHERE window_start <= ? AND locked_until <= ?";

const char *throttle_account_key(arena *a, const char *email)
{
	return arena_printf(a, "account:%s", email);
}

/* Reads the row of key: 1 with the values, 0 when there is none, -1 on error.
 * Runs the statement to its end so that no read stays open. */
static int throttle_get(db_conn *c, const char *key, int64_t *failures, int64_t *window_start, int64_t *locked_until)
{
	db_stmt *s = db_prepare(c, SQL_GET);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, key);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	*failures = db_column_int(s, 0);
	*window_start = db_column_int(s, 1);
	*locked_until = db_column_int(s, 2);
	return db_step(s) == DB_DONE ? 1 : -1;
}

int throttle_locked(db_conn *c, const char *key, int64_t now, int64_t *until)
{
	int64_t failures = 0, window_start = 0, locked_until = 0;
	int found = throttle_get(c, key, &failures, &window_start, &locked_until);
	if (found < 0)
		return -1;
	if (found == 0 || locked_until <= now)
		return 0;
	if (until)
		*until = locked_until;
	return 1;
}

int throttle_register_failure(db_conn *c, const config *cfg, const char *key, int64_t now)
{
	int64_t window = (int64_t)cfg->login_window_minutes * 60;
	int64_t failures = 0, window_start = 0, locked_until = 0;
	if (db_begin_write(c) != 0)
		return -1;
	int found = throttle_get(c, key, &failures, &window_start, &locked_until);
	if (found < 0)
		goto fail;
	if (found == 0 || now - window_start >= window) {
		failures = 0;
		window_start = now;
		locked_until = 0;
	}
	failures++;
	/* An address may be a whole office behind one gateway: it gets a higher limit. */
	int limit = str_starts_with(key, "address:") ? cfg->login_max_failures_per_address : cfg->login_max_failures;
	if (failures > limit)
		locked_until = window_start + window;

	db_stmt *s = db_prepare(c, SQL_PURGE);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, now - window);
	db_bind_int(s, 2, now);
	if (db_step(s) != DB_DONE)
		goto fail;
	s = db_prepare(c, SQL_PUT);
	if (s == NULL)
		goto fail;
	db_bind_text(s, 1, key);
	db_bind_int(s, 2, failures);
	db_bind_int(s, 3, window_start);
	db_bind_int(s, 4, locked_until);
	if (db_step(s) != DB_DONE)
		goto fail;
	if (db_commit(c) != 0)
		return -1;
	return locked_until > now ? 1 : 0;
fail:
	db_rollback(c);
	return -1;
}

int throttle_clear(db_conn *c, const char *key)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_CLEAR);
	if (s == NULL)
		goto fail;
	db_bind_text(s, 1, key);
	if (db_step(s) != DB_DONE)
		goto fail;
	return db_commit(c);
fail:
	db_rollback(c);
	return -1;
}
