/*
 * answer_store.c — web answers in progress (see answer_store.h).
 *
 * Only hashes of resume codes are stored (survey_code_hash(), the same
 * normalisation as the one-time codes). A submitted response is a new row
 * made by survey_response_insert(): it has no resume hash and no code, so
 * nothing ties it to the letter or the device it came from. Nor do its
 * times: the code's started_at and used_at and the complete response's
 * started_at and submitted_at are kept to the day (UTC), because exact times
 * on both sides would pair a response with its code again.
 */
#include "survey/answer_store.h"

#include <string.h>

static const char SQL_BY_HASH[] =
	"SELECT id, round_id, COALESCE(code_id, 0), started_at FROM survey_responses "
	"WHERE resume_hash = ? AND round_id = ? AND status = 'in_progress'";
static const char SQL_BY_CODE[] =
	"SELECT id, round_id, COALESCE(code_id, 0), started_at FROM survey_responses "
	"WHERE code_id = ? AND status = 'in_progress'";
static const char SQL_CODE_FIND[] =
	"SELECT id, used_at IS NOT NULL FROM survey_codes WHERE code_hash = ? AND round_id = ?";
static const char SQL_CREATE[] =
	"INSERT INTO survey_responses (round_id, mode, status, resume_hash, code_id, started_at, updated_at) "
	"VALUES (?, 'web', 'in_progress', ?, ?, ?, ?) RETURNING id";
static const char SQL_CODE_STARTED[] =
	"UPDATE survey_codes SET started_at = ? WHERE id = ? AND started_at IS NULL";
static const char SQL_SET_TOKEN[] =
	"UPDATE survey_responses SET resume_hash = ?, updated_at = ? WHERE id = ? AND status = 'in_progress'";
static const char SQL_ANSWERS[] =
	"SELECT item_code, value_code, value_text, lat, lon, COALESCE(area_id, 0) FROM survey_answers "
	"WHERE response_id = ? ORDER BY id";
static const char SQL_ANSWERS_DELETE[] = "DELETE FROM survey_answers WHERE response_id = ?";
static const char SQL_TOUCH[] = "UPDATE survey_responses SET updated_at = ? WHERE id = ?";
static const char SQL_DELETE[] = "DELETE FROM survey_responses WHERE id = ? AND status = 'in_progress'";
static const char SQL_CODE_USED[] = "UPDATE survey_codes SET used_at = ? WHERE id = ? AND used_at IS NULL";

/* t to the start of its day (UTC). */
static int64_t day_of(int64_t t)
{
	return t - t % 86400;
}

static int progress_read(db_stmt *s, survey_progress *out)
{
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	out->id = db_column_int(s, 0);
	out->round_id = db_column_int(s, 1);
	out->code_id = db_column_int(s, 2);
	out->started_at = db_column_int(s, 3);
	return 1;
}

int survey_progress_by_token(db_conn *c, int64_t round_id, const char *token, survey_progress *out)
{
	char hash[65];
	survey_code_hash(token, hash);
	db_stmt *s = db_prepare(c, SQL_BY_HASH);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, hash);
	db_bind_int(s, 2, round_id);
	return progress_read(s, out);
}

int survey_progress_code_find(db_conn *c, int64_t round_id, const char *code, int64_t *code_id, bool *used)
{
	char hash[65];
	survey_code_hash(code, hash);
	db_stmt *s = db_prepare(c, SQL_CODE_FIND);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, hash);
	db_bind_int(s, 2, round_id);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	*code_id = db_column_int(s, 0);
	*used = db_column_int(s, 1) != 0;
	return 1;
}

int survey_progress_by_code(db_conn *c, int64_t code_id, survey_progress *out)
{
	db_stmt *s = db_prepare(c, SQL_BY_CODE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, code_id);
	return progress_read(s, out);
}

int64_t survey_progress_create(db_conn *c, int64_t round_id, int64_t code_id, const char *token, int64_t now)
{
	char hash[65];
	survey_code_hash(token, hash);
	db_stmt *s = db_prepare(c, SQL_CREATE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	db_bind_text(s, 2, hash);
	if (code_id > 0)
		db_bind_int(s, 3, code_id);
	else
		db_bind_null(s, 3);
	db_bind_int(s, 4, now);
	db_bind_int(s, 5, now);
	if (db_step(s) != DB_ROW)
		return -1;
	int64_t id = db_column_int(s, 0);
	if (db_step(s) != DB_DONE)
		return -1;
	if (code_id > 0) {
		s = db_prepare(c, SQL_CODE_STARTED);
		if (s == NULL)
			return -1;
		db_bind_int(s, 1, day_of(now));
		db_bind_int(s, 2, code_id);
		if (db_step(s) != DB_DONE)
			return -1;
	}
	return id;
}

int survey_progress_set_token(db_conn *c, int64_t id, const char *token, int64_t now)
{
	char hash[65];
	survey_code_hash(token, hash);
	db_stmt *s = db_prepare(c, SQL_SET_TOKEN);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, hash);
	db_bind_int(s, 2, now);
	db_bind_int(s, 3, id);
	return db_step(s) == DB_DONE ? 0 : -1;
}

int survey_progress_answers(db_conn *c, arena *a, int64_t id, survey_answer **answers, size_t *count)
{
	size_t cap = 16, n = 0;
	survey_answer *out = arena_alloc(a, cap * sizeof *out);
	db_stmt *s = db_prepare(c, SQL_ANSWERS);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (n == cap) {
			survey_answer *bigger = arena_alloc(a, 2 * cap * sizeof *bigger);
			memcpy(bigger, out, n * sizeof *out);
			out = bigger;
			cap *= 2;
		}
		survey_answer *x = &out[n++];
		memset(x, 0, sizeof *x);
		x->item_code = arena_strdup(a, db_column_text(s, 0));
		if (!db_column_is_null(s, 1)) {
			x->has_code = true;
			x->code = db_column_int(s, 1);
		}
		if (!db_column_is_null(s, 2))
			x->text = arena_strdup(a, db_column_text(s, 2));
		if (!db_column_is_null(s, 3) && !db_column_is_null(s, 4)) {
			x->has_point = true;
			x->lat = db_column_double(s, 3);
			x->lon = db_column_double(s, 4);
		}
		x->area_id = db_column_int(s, 5);
	}
	if (rc != DB_DONE)
		return -1;
	*answers = out;
	*count = n;
	return 0;
}

/* Runs a statement with one or two integer parameters; returns the rows
 * changed, or -1. */
static int64_t run_ids(db_conn *c, const char *sql, int64_t first, int64_t second, bool two)
{
	db_stmt *s = db_prepare(c, sql);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, first);
	if (two)
		db_bind_int(s, 2, second);
	if (db_step(s) != DB_DONE)
		return -1;
	return db_changes(s);
}

int survey_progress_save(db_conn *c, int64_t id, const survey_answer *answers, size_t count, int64_t now)
{
	if (run_ids(c, SQL_ANSWERS_DELETE, id, 0, false) < 0 || survey_answers_insert(c, id, answers, count) != 0 ||
	    run_ids(c, SQL_TOUCH, now, id, true) < 0)
		return -1;
	return 0;
}

int64_t survey_progress_submit(db_conn *c, const survey_questionnaire *q, const survey_progress *p,
                               const survey_answer *answers, size_t count, int64_t now)
{
	if (db_begin_write(c) != 0)
		return -1;
	/* The answers first, then the row: ON DELETE CASCADE is not relied on. */
	if (run_ids(c, SQL_ANSWERS_DELETE, p->id, 0, false) < 0)
		goto fail;
	int64_t gone = run_ids(c, SQL_DELETE, p->id, 0, false);
	if (gone < 0)
		goto fail;
	if (gone == 0)
		goto already;
	if (p->code_id > 0) {
		int64_t used = run_ids(c, SQL_CODE_USED, day_of(now), p->code_id, true);
		if (used < 0)
			goto fail;
		if (used == 0)
			goto already;
	}
	survey_response_meta meta = { .mode = "web", .started_at = day_of(p->started_at) };
	int64_t id = survey_response_insert(c, p->round_id, q, &meta, answers, count, day_of(now));
	if (id < 0 || db_commit(c) != 0)
		goto fail;
	return id;
already:
	db_rollback(c);
	return 0;
fail:
	db_rollback(c);
	return -1;
}
