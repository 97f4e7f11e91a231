/*
 * store.c — the survey's tables (see survey_store.h).
 */
#include "survey/survey_store.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/util.h"

const char *const survey_round_status_names[SURVEY_ROUND_STATUS__MAX] = {
	"draft", "open", "closed", "published",
};

int survey_round_status_find(const char *name)
{
	for (int i = 0; i < SURVEY_ROUND_STATUS__MAX; i++)
		if (name != NULL && strcmp(survey_round_status_names[i], name) == 0)
			return i;
	return -1;
}

#define ROUND_COLUMNS                                                                                   \
	"id, slug, title_sv, title_en, year, status, questionnaire, open_link, COALESCE(opens_at, 0), "      \
	"COALESCE(closes_at, 0), margins, min_n, trim_upper, generated, method_sv, method_en, created_at, " \
	"updated_at, COALESCE(published_at, 0) FROM survey_rounds "

static const char SQL_ROUND_BY_ID[] = "SELECT " ROUND_COLUMNS "WHERE id = ?";
static const char SQL_ROUND_BY_SLUG[] = "SELECT " ROUND_COLUMNS "WHERE slug = ?";
static const char SQL_ROUND_LIST[] = "SELECT " ROUND_COLUMNS "ORDER BY year DESC, id DESC";
static const char SQL_ROUND_INSERT[] =
	"INSERT INTO survey_rounds (slug, title_sv, title_en, year, status, questionnaire, open_link, opens_at, "
	"closes_at, margins, min_n, trim_upper, generated, method_sv, method_en, created_at, updated_at, "
	"published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_ROUND_UPDATE[] =
	"UPDATE survey_rounds SET slug = ?, title_sv = ?, title_en = ?, year = ?, status = ?, questionnaire = ?, "
	"open_link = ?, opens_at = ?, closes_at = ?, margins = ?, min_n = ?, trim_upper = ?, generated = ?, "
	"method_sv = ?, method_en = ?, updated_at = ?, published_at = ? WHERE id = ?";

/* Strings of the current row, copied into a when a is not NULL. */
static const char *col_text(db_stmt *s, int col, arena *a)
{
	const char *t = db_column_text(s, col);
	if (t == NULL)
		t = "";
	return a != NULL ? arena_strdup(a, t) : t;
}

static void round_read(db_stmt *s, arena *a, survey_round *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int(s, 0);
	r->slug = col_text(s, 1, a);
	r->title_sv = col_text(s, 2, a);
	r->title_en = col_text(s, 3, a);
	r->year = (int)db_column_int(s, 4);
	int st = survey_round_status_find(db_column_text(s, 5));
	r->status = st < 0 ? SURVEY_ROUND_DRAFT : (enum survey_round_status)st;
	r->questionnaire_json = col_text(s, 6, a);
	r->open_link = db_column_int(s, 7) != 0;
	r->opens_at = db_column_int(s, 8);
	r->closes_at = db_column_int(s, 9);
	r->margins = col_text(s, 10, a);
	r->min_n = (int)db_column_int(s, 11);
	r->trim_upper = db_column_double(s, 12);
	r->generated = db_column_int(s, 13) != 0;
	r->method_sv = col_text(s, 14, a);
	r->method_en = col_text(s, 15, a);
	r->created_at = db_column_int(s, 16);
	r->updated_at = db_column_int(s, 17);
	r->published_at = db_column_int(s, 18);
}

int survey_round_get(db_conn *c, arena *a, int64_t id, const char *slug, survey_round *out)
{
	db_stmt *s = db_prepare(c, id != 0 ? SQL_ROUND_BY_ID : SQL_ROUND_BY_SLUG);
	if (s == NULL)
		return -1;
	if (id != 0)
		db_bind_int(s, 1, id);
	else
		db_bind_text(s, 1, slug != NULL ? slug : "");
	int rc = db_step(s);
	if (rc == DB_ROW) {
		round_read(s, a, out);
		return 1;
	}
	return rc == DB_DONE ? 0 : -1;
}

int survey_round_list(db_conn *c, int (*fn)(void *ud, const survey_round *r), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_ROUND_LIST);
	if (s == NULL)
		return -1;
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		survey_round r;
		round_read(s, NULL, &r);
		if (fn(ud, &r) != 0)
			return 0;
	}
	return rc == DB_DONE ? 0 : -1;
}

static void bind_optional_time(db_stmt *s, int idx, int64_t t)
{
	if (t != 0)
		db_bind_int(s, idx, t);
	else
		db_bind_null(s, idx);
}

/* Binds the 15 fields shared by insert and update from index 1. */
static void round_bind(db_stmt *s, const survey_round *r)
{
	db_bind_text(s, 1, r->slug);
	db_bind_text(s, 2, r->title_sv);
	db_bind_text(s, 3, r->title_en != NULL ? r->title_en : "");
	db_bind_int(s, 4, r->year);
	db_bind_text(s, 5, survey_round_status_names[r->status]);
	db_bind_text(s, 6, r->questionnaire_json);
	db_bind_int(s, 7, r->open_link ? 1 : 0);
	bind_optional_time(s, 8, r->opens_at);
	bind_optional_time(s, 9, r->closes_at);
	db_bind_text(s, 10, r->margins != NULL ? r->margins : "");
	db_bind_int(s, 11, r->min_n > 0 ? r->min_n : 30);
	db_bind_double(s, 12, r->trim_upper);
	db_bind_int(s, 13, r->generated ? 1 : 0);
	db_bind_text(s, 14, r->method_sv != NULL ? r->method_sv : "");
	db_bind_text(s, 15, r->method_en != NULL ? r->method_en : "");
}

int64_t survey_round_create(db_conn *c, const survey_round *r, int64_t now)
{
	db_stmt *s = db_prepare(c, SQL_ROUND_INSERT);
	if (s == NULL)
		return -1;
	round_bind(s, r);
	db_bind_int(s, 16, now);
	db_bind_int(s, 17, now);
	bind_optional_time(s, 18, r->published_at);
	if (db_step(s) != DB_ROW)
		return -1;
	int64_t id = db_column_int(s, 0);
	if (db_step(s) != DB_DONE) /* finish the statement, or SQLite cannot commit */
		return -1;
	return id;
}

int survey_round_update(db_conn *c, const survey_round *r, int64_t now)
{
	db_stmt *s = db_prepare(c, SQL_ROUND_UPDATE);
	if (s == NULL)
		return -1;
	round_bind(s, r);
	db_bind_int(s, 16, now);
	bind_optional_time(s, 17, r->published_at);
	db_bind_int(s, 18, r->id);
	if (db_step(s) != DB_DONE)
		return -1;
	return db_changes(s) > 0 ? 1 : 0;
}

const survey_questionnaire *survey_round_questionnaire(arena *a, const survey_round *r)
{
	const survey_questionnaire *q = NULL;
	survey_qproblem problem;
	if (survey_questionnaire_parse(a, r->questionnaire_json, strlen(r->questionnaire_json), &q, &problem) != 0)
		return NULL;
	return q;
}

bool survey_round_accepting(const survey_round *r, int64_t now)
{
	if (r->status != SURVEY_ROUND_OPEN)
		return false;
	if (r->opens_at != 0 && now < r->opens_at)
		return false;
	if (r->closes_at != 0 && now >= r->closes_at)
		return false;
	return true;
}

/* ---- responses ---- */

static const char SQL_RESPONSE_INSERT[] =
	"INSERT INTO survey_responses (round_id, mode, status, area_id, base_weight, entered_by, import_id, "
	"source_ref, started_at, submitted_at, updated_at) VALUES (?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, ?) "
	"RETURNING id";
static const char SQL_ANSWER_INSERT[] =
	"INSERT INTO survey_answers (response_id, item_code, value_code, value_text, lat, lon, area_id, "
	"text_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_ANSWERS[] =
	"SELECT r.id, r.base_weight, a.item_code, a.value_code, a.value_text, a.lat, a.lon, COALESCE(a.area_id, 0) "
	"FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id "
	"WHERE r.round_id = ? AND r.status = 'complete' ORDER BY r.id, a.id";
static const char SQL_RESPONSE_COUNT[] =
	"SELECT COUNT(*) FROM survey_responses WHERE round_id = ? AND status = 'complete'";

const char *survey_batch_sql(arena *a, const char *head, const char *row, size_t rows)
{
	buf b = BUF_INIT;
	buf_puts(&b, head);
	for (size_t i = 0; i < rows; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_puts(&b, row);
	}
	const char *sql = arena_strdup(a, b.data);
	buf_free(&b);
	return sql;
}

int survey_answers_insert(db_conn *c, int64_t response_id, const survey_answer *answers, size_t answer_count)
{
	for (size_t i = 0; i < answer_count; i++) {
		const survey_answer *a = &answers[i];
		db_stmt *w = db_prepare(c, SQL_ANSWER_INSERT);
		if (w == NULL)
			return -1;
		db_bind_int(w, 1, response_id);
		db_bind_text(w, 2, a->item_code);
		if (a->has_code)
			db_bind_int(w, 3, a->code);
		else
			db_bind_null(w, 3);
		bool has_text = a->text != NULL && a->text[0] != '\0';
		if (has_text)
			db_bind_text(w, 4, a->text);
		else
			db_bind_null(w, 4);
		if (a->has_point) {
			db_bind_double(w, 5, a->lat);
			db_bind_double(w, 6, a->lon);
		} else {
			db_bind_null(w, 5);
			db_bind_null(w, 6);
		}
		if (a->area_id > 0)
			db_bind_int(w, 7, a->area_id);
		else
			db_bind_null(w, 7);
		if (has_text)
			db_bind_text(w, 8, "pending");
		else
			db_bind_null(w, 8);
		if (db_step(w) != DB_DONE)
			return -1;
	}
	return 0;
}

int64_t survey_response_insert(db_conn *c, int64_t round_id, const survey_questionnaire *q,
                               const survey_response_meta *meta, const survey_answer *answers,
                               size_t answer_count, int64_t now)
{
	int64_t area_id = 0;
	const survey_item *area_item = survey_background_item(q, "area");
	for (size_t i = 0; area_item != NULL && i < answer_count; i++)
		if (strcmp(answers[i].item_code, area_item->code) == 0)
			area_id = answers[i].area_id;

	db_stmt *s = db_prepare(c, SQL_RESPONSE_INSERT);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	db_bind_text(s, 2, meta->mode);
	if (area_id > 0)
		db_bind_int(s, 3, area_id);
	else
		db_bind_null(s, 3);
	db_bind_double(s, 4, meta->base_weight > 0 ? meta->base_weight : 1.0);
	if (meta->entered_by > 0)
		db_bind_int(s, 5, meta->entered_by);
	else
		db_bind_null(s, 5);
	if (meta->import_id > 0)
		db_bind_int(s, 6, meta->import_id);
	else
		db_bind_null(s, 6);
	db_bind_text(s, 7, meta->source_ref != NULL ? meta->source_ref : "");
	db_bind_int(s, 8, meta->started_at > 0 ? meta->started_at : now);
	db_bind_int(s, 9, now);
	db_bind_int(s, 10, now);
	if (db_step(s) != DB_ROW)
		return -1;
	int64_t id = db_column_int(s, 0);
	if (db_step(s) != DB_DONE)
		return -1;

	return survey_answers_insert(c, id, answers, answer_count) == 0 ? id : -1;
}

int survey_answers_each(db_conn *c, int64_t round_id, bool with_text,
                        int (*fn)(void *ud, const survey_stored_answer *a), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_ANSWERS);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		survey_stored_answer sa;
		memset(&sa, 0, sizeof sa);
		sa.response_id = db_column_int(s, 0);
		sa.base_weight = db_column_double(s, 1);
		sa.answer.item_code = db_column_text(s, 2);
		if (!db_column_is_null(s, 3)) {
			sa.answer.has_code = true;
			sa.answer.code = db_column_int(s, 3);
		}
		if (with_text)
			sa.answer.text = db_column_text(s, 4);
		if (!db_column_is_null(s, 5) && !db_column_is_null(s, 6)) {
			sa.answer.has_point = true;
			sa.answer.lat = db_column_double(s, 5);
			sa.answer.lon = db_column_double(s, 6);
		}
		sa.answer.area_id = db_column_int(s, 7);
		if (fn(ud, &sa) != 0)
			return 0;
	}
	return rc == DB_DONE ? 0 : -1;
}

int64_t survey_response_count(db_conn *c, int64_t round_id)
{
	db_stmt *s = db_prepare(c, SQL_RESPONSE_COUNT);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	if (db_step(s) != DB_ROW)
		return -1;
	int64_t n = db_column_int(s, 0);
	if (db_step(s) != DB_DONE) /* finish the statement, or SQLite cannot commit */
		return -1;
	return n;
}

static const char SQL_COUNTS[] =
	"SELECT r.round_id, a.item_code, COALESCE(a.value_code, -1), COALESCE(a.area_id, r.area_id, 0), "
	"r.submitted_at / 86400, COUNT(*) FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id "
	"WHERE r.status = 'complete' AND r.submitted_at >= ? AND r.submitted_at < ? "
	"GROUP BY r.round_id, a.item_code, COALESCE(a.value_code, -1), COALESCE(a.area_id, r.area_id, 0), "
	"r.submitted_at / 86400 "
	"ORDER BY r.round_id, a.item_code, COALESCE(a.value_code, -1), COALESCE(a.area_id, r.area_id, 0), "
	"r.submitted_at / 86400";

int survey_counts(db_conn *c, int64_t from, int64_t to, int (*fn)(void *ud, const survey_count *row), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_COUNTS);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, from);
	db_bind_int(s, 2, to);
	/* Rows come by day; days of one month are adjacent and are summed here. */
	survey_count cur = { 0 };
	char *item = NULL;
	bool have = false;
	int rc, result = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		time_t day = (time_t)db_column_int(s, 4) * 86400;
		struct tm tm;
		gmtime_r(&day, &tm);
		const char *code = db_column_text(s, 1);
		int64_t round = db_column_int(s, 0), value = db_column_int(s, 2), area = db_column_int(s, 3);
		if (have && cur.round_id == round && strcmp(item, code) == 0 && cur.value_code == value &&
		    cur.area_id == area && cur.year == tm.tm_year + 1900 && cur.month == tm.tm_mon + 1) {
			cur.count += db_column_int(s, 5);
			continue;
		}
		if (have && fn(ud, &cur) != 0)
			goto out;
		free(item);
		item = xstrdup(code);
		cur = (survey_count){ round, item, value, area, tm.tm_year + 1900, tm.tm_mon + 1, db_column_int(s, 5) };
		have = true;
	}
	if (rc != DB_DONE)
		result = -1;
	else if (have)
		fn(ud, &cur);
out:
	free(item);
	return result;
}

/* ---- population ---- */

static const char SQL_POP_DELETE[] = "DELETE FROM survey_population WHERE round_id = ? AND margin = ?";
static const char SQL_POP_INSERT[] =
	"INSERT INTO survey_population (round_id, margin, cell, count, source, imported_at) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_POP_LIST[] =
	"SELECT margin, cell, count FROM survey_population WHERE round_id = ? ORDER BY margin, cell";

int survey_population_replace(db_conn *c, int64_t round_id, const char *margin, const char *const *cells,
                              const double *counts, size_t n, const char *source, int64_t now)
{
	db_stmt *s = db_prepare(c, SQL_POP_DELETE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	db_bind_text(s, 2, margin);
	if (db_step(s) != DB_DONE)
		return -1;
	for (size_t i = 0; i < n; i++) {
		s = db_prepare(c, SQL_POP_INSERT);
		if (s == NULL)
			return -1;
		db_bind_int(s, 1, round_id);
		db_bind_text(s, 2, margin);
		db_bind_text(s, 3, cells[i]);
		db_bind_double(s, 4, counts[i]);
		db_bind_text(s, 5, source != NULL ? source : "");
		db_bind_int(s, 6, now);
		if (db_step(s) != DB_DONE)
			return -1;
	}
	return 0;
}

int survey_population_each(db_conn *c, int64_t round_id,
                           int (*fn)(void *ud, const char *margin, const char *cell, double count), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_POP_LIST);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, round_id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(ud, db_column_text(s, 0), db_column_text(s, 1), db_column_double(s, 2)) != 0)
			return 0;
	return rc == DB_DONE ? 0 : -1;
}

/* ---- one-time codes ---- */

/* No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are typed from paper. */
static const char CODE_ALPHABET[] = "ACDEFGHJKMNPQRTUVWXY34679";
#define CODE_CHARS 12

void survey_code_hash(const char *code, char out[65])
{
	char norm[64];
	size_t n = 0;
	for (const char *p = code; *p && n + 1 < sizeof norm; p++) {
		if (*p == ' ' || *p == '-' || *p == '\t')
			continue;
		norm[n++] = (char)toupper((unsigned char)*p);
	}
	norm[n] = '\0';
	unsigned char hash[32];
	static const unsigned char context[] = "trygg survey one-time code";
	crypto_generichash(hash, sizeof hash, (const unsigned char *)norm, n, context, sizeof context - 1);
	sodium_bin2hex(out, 65, hash, sizeof hash);
}

void survey_code_new(char out[SURVEY_CODE_TEXT_SIZE])
{
	size_t k = 0;
	for (int j = 0; j < CODE_CHARS; j++) {
		if (j > 0 && j % 4 == 0)
			out[k++] = '-';
		out[k++] = CODE_ALPHABET[randombytes_uniform(sizeof CODE_ALPHABET - 1)];
	}
	out[k] = '\0';
}

static const char SQL_CODE_INSERT[] =
	"INSERT INTO survey_codes (round_id, code_hash, batch, created_at) VALUES (?, ?, ?, ?)";

int survey_codes_create(db_conn *c, arena *a, int64_t round_id, size_t count, const char *batch, int64_t now,
                        const char ***codes)
{
	const char **out = arena_alloc(a, (count + 1) * sizeof *out);
	for (size_t i = 0; i < count; i++) {
		char raw[SURVEY_CODE_TEXT_SIZE];
		survey_code_new(raw);
		char hash[65];
		survey_code_hash(raw, hash);
		db_stmt *s = db_prepare(c, SQL_CODE_INSERT);
		if (s == NULL)
			return -1;
		db_bind_int(s, 1, round_id);
		db_bind_text(s, 2, hash);
		db_bind_text(s, 3, batch != NULL ? batch : "");
		db_bind_int(s, 4, now);
		if (db_step(s) != DB_DONE)
			return -1; /* a collision (25^12 codes) is reported as an error, never reused */
		out[i] = arena_strdup(a, raw);
	}
	out[count] = NULL;
	*codes = out;
	return (int)count;
}
