/*
 * store.c — the tables of Felanmälan (migrations/0007_reports.sql):
 * categories and their extra questions, reports, their answers, photos and
 * history, and the counts for the lägesbild.
 *
 * Every statement is a constant with bound values; the optional filters of a
 * search are written as "(flag = 0 OR condition)" so that one statement
 * serves every combination on both databases.
 */
#include "reports/report_internal.h"
#include "core/util.h"
#include "auth/auth.h"
#include "settings/settings.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const report_group_codes[3] = { "gata", "park", "parkering" };
#ifndef N_
#define N_(msgid) (msgid) /* marks a text for translation (as in web.h) */
#endif

const char *const report_group_labels[3] = { N_("Gata"), N_("Park"), N_("Parkering") };

#define CATEGORY_COLUMNS                                                                                   \
	"id, code, group_code, name_sv, name_en, description_sv, description_en, keywords, active, "              \
	"(SELECT COUNT(*) FROM report_attributes x WHERE x.category_id = report_categories.id)"

static const char SQL_CATEGORY_LIST[] =
	"SELECT " CATEGORY_COLUMNS " FROM report_categories WHERE active = 1 ORDER BY CASE group_code "
	"WHEN 'gata' THEN 0 WHEN 'park' THEN 1 ELSE 2 END, sort_order, id";
static const char SQL_CATEGORY_BY_CODE[] = "SELECT " CATEGORY_COLUMNS " FROM report_categories WHERE code = ?";
static const char SQL_CATEGORY_BY_ID[] = "SELECT " CATEGORY_COLUMNS " FROM report_categories WHERE id = ?";
static const char SQL_ATTRIBUTES[] =
	"SELECT code, datatype, required, name_sv, name_en, hint_sv, hint_en, choices, sort_order "
	"FROM report_attributes WHERE category_id = ? ORDER BY sort_order, id";

static const char SQL_INSERT[] =
	"INSERT INTO reports (category_id, status, is_open, area_id, has_point, lat, lon, address, description, "
	"requested_at, updated_at, source, api_key_id, public_token, follow_hash, reporter_name, reporter_email, "
	"reporter_phone, device_id, account_id, lang) VALUES (?, 'received', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?) RETURNING id";
static const char SQL_INSERT_VALUE[] = "INSERT INTO report_values (report_id, code, value) VALUES (?, ?, ?)";
static const char SQL_INSERT_URL[] = "INSERT INTO report_photos (report_id, created_at, url) VALUES (?, ?, ?)";
static const char SQL_INSERT_UPDATE[] =
	"INSERT INTO report_updates (report_id, at, kind, status, text, public, user_id) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SET_STATUS[] =
	"UPDATE reports SET status = ?, is_open = ?, updated_at = ?, closed_at = ? WHERE id = ?";
static const char SQL_TOUCH[] = "UPDATE reports SET updated_at = ? WHERE id = ?";
static const char SQL_STATUS_OF[] = "SELECT status FROM reports WHERE id = ?";

#define REPORT_COLUMNS                                                                                          \
	"r.id, c.code, c.name_sv, c.name_en, c.group_code, r.status, COALESCE(r.area_id, 0), r.has_point, "     \
	"COALESCE(r.lat, 0), COALESCE(r.lon, 0), r.address, r.description, r.requested_at, r.updated_at, "     \
	"COALESCE(r.expected_at, 0), r.public_token, r.source, r.supporters, COALESCE(r.duplicate_of, 0), "     \
	"COALESCE(a.name, ''), COALESCE((SELECT u.text FROM report_updates u WHERE u.report_id = r.id AND "     \
	"u.public = 1 AND u.kind IN ('status', 'note') AND u.text <> '' ORDER BY u.at DESC, u.id DESC LIMIT 1), '') " \
	"FROM reports r JOIN report_categories c ON c.id = r.category_id LEFT JOIN areas a ON a.id = r.area_id "

static const char SQL_GET[] = "SELECT " REPORT_COLUMNS "WHERE r.id = ?";
static const char SQL_SEARCH[] =
	"SELECT " REPORT_COLUMNS
	"WHERE r.requested_at >= ? AND r.requested_at <= ? AND r.updated_at >= ? AND r.updated_at <= ? "
	"AND (? = '' OR ? LIKE '%,' || c.code || ',%') "
	"AND (? < 0 OR r.is_open = ?) "
	"AND (? = 0 OR (r.has_point = 1 AND r.lat >= ? AND r.lat <= ? AND r.lon >= ? AND r.lon <= ?)) "
	"AND (? = 0 OR (r.has_point = 1 AND (r.lat - ?) * (r.lat - ?) + (r.lon - ?) * (r.lon - ?) * ? <= ?)) "
	"AND (? = 0 OR r.area_id = ?) "
	"AND (? = '' OR LOWER(r.description || ' ' || r.address) LIKE ? ESCAPE '!') "
	"ORDER BY r.requested_at DESC, r.id DESC LIMIT ? OFFSET ?";
static const char SQL_BY_TOKEN[] = "SELECT id FROM reports WHERE public_token = ?";
static const char SQL_BY_FOLLOW[] = "SELECT id FROM reports WHERE follow_hash = ?";
static const char SQL_PHOTOS[] = "SELECT id, file, url FROM report_photos WHERE report_id = ? ORDER BY id";
static const char SQL_COUNTS[] =
	"SELECT c.code, COALESCE(r.area_id, 0), r.status, r.is_open, r.requested_at / 86400, COUNT(*) "
	"FROM reports r JOIN report_categories c ON c.id = r.category_id "
	"WHERE r.requested_at >= ? AND r.requested_at < ? "
	"GROUP BY c.code, COALESCE(r.area_id, 0), r.status, r.is_open, r.requested_at / 86400 "
	"ORDER BY c.code, COALESCE(r.area_id, 0), r.status, r.requested_at / 86400";

static const char *dup(arena *a, db_stmt *s, int col)
{
	const char *t = db_column_text(s, col);
	return arena_strdup(a, t ? t : "");
}

static void category_read(db_stmt *s, arena *a, report_category *c)
{
	c->id = db_column_int(s, 0);
	c->code = dup(a, s, 1);
	c->group = dup(a, s, 2);
	c->name_sv = dup(a, s, 3);
	c->name_en = dup(a, s, 4);
	c->description_sv = dup(a, s, 5);
	c->description_en = dup(a, s, 6);
	c->keywords = dup(a, s, 7);
	c->active = db_column_int(s, 8) != 0;
	c->attributes = NULL;
	c->attribute_count = (size_t)db_column_int(s, 9);
}

int report_category_list(db_conn *c, arena *a, report_category **out)
{
	db_stmt *s = db_prepare(c, SQL_CATEGORY_LIST);
	if (s == NULL)
		return -1;
	size_t n = 0, cap = 16;
	report_category *list = arena_alloc(a, cap * sizeof(*list));
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (n == cap) {
			report_category *bigger = arena_alloc(a, 2 * cap * sizeof(*list));
			memcpy(bigger, list, n * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		category_read(s, a, &list[n++]);
	}
	*out = list;
	return rc == DB_ERROR ? -1 : (int)n;
}

/* Splits "key|name_sv|name_en" lines into choices. */
static void parse_choices(arena *a, const char *text, report_attribute *at)
{
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	at->choices = arena_alloc(a, lines * sizeof(*at->choices));
	at->choice_count = 0;
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = arena_strndup(a, p, len);
		char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
		if (bar1 && bar2) {
			*bar1 = *bar2 = '\0';
			at->choices[at->choice_count++] = (report_choice){ line, bar1 + 1, bar2 + 1 };
		}
		p += len + (end != NULL);
	}
}

static int category_fetch(db_conn *c, arena *a, db_stmt *s, report_category *out)
{
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	category_read(s, a, out);
	out->attribute_count = 0;
	db_step(s);
	s = db_prepare(c, SQL_ATTRIBUTES);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, out->id);
	size_t cap = 8;
	out->attributes = arena_alloc(a, cap * sizeof(*out->attributes));
	while ((rc = db_step(s)) == DB_ROW) {
		if (out->attribute_count == cap) {
			report_attribute *bigger = arena_alloc(a, 2 * cap * sizeof(*bigger));
			memcpy(bigger, out->attributes, cap * sizeof(*bigger));
			out->attributes = bigger;
			cap *= 2;
		}
		report_attribute *at = &out->attributes[out->attribute_count++];
		at->code = dup(a, s, 0);
		at->datatype = dup(a, s, 1);
		at->required = db_column_int(s, 2) != 0;
		at->name_sv = dup(a, s, 3);
		at->name_en = dup(a, s, 4);
		at->hint_sv = dup(a, s, 5);
		at->hint_en = dup(a, s, 6);
		parse_choices(a, dup(a, s, 7), at);
		at->order = (int)out->attribute_count;
	}
	return rc == DB_ERROR ? -1 : 1;
}

int report_category_find(db_conn *c, arena *a, const char *code, report_category *out)
{
	db_stmt *s = db_prepare(c, SQL_CATEGORY_BY_CODE);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, code);
	return category_fetch(c, a, s, out);
}

int report_category_get(db_conn *c, arena *a, int64_t id, report_category *out)
{
	db_stmt *s = db_prepare(c, SQL_CATEGORY_BY_ID);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	return category_fetch(c, a, s, out);
}

const char *report_token_hash(arena *a, const char *token)
{
	unsigned char hash[crypto_generichash_BYTES];
	char hex[2 * sizeof(hash) + 1];
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	return arena_strdup(a, hex);
}

const char *report_new_token(arena *a)
{
	/* 32 symbols: each takes 5 bits of one random byte, so every symbol is
	 * equally likely (130 bits in all), from one call to the random source. */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
	_Static_assert(sizeof(alphabet) - 1 == 32, "the token alphabet has 32 symbols");
	unsigned char bytes[26];
	randombytes_buf(bytes, sizeof(bytes));
	char *t = arena_alloc(a, 27);
	for (int i = 0; i < 26; i++)
		t[i] = alphabet[bytes[i] & 31];
	t[26] = '\0';
	return t;
}

int report_insert(db_conn *c, arena *a, const report_new *r, int64_t now, int64_t *id, const char **public_token,
		  const char **follow_token)
{
	const char *pub = report_new_token(a), *follow = report_new_token(a);
	db_stmt *s = db_prepare(c, SQL_INSERT);
	if (s == NULL)
		return -1;
	int i = 1;
	db_bind_int(s, 1, r->category->id);
	if (r->area_id > 0)
		db_bind_int(s, 2, r->area_id);
	else
		db_bind_null(s, 2);
	db_bind_int(s, 3, r->has_point);
	if (r->has_point) {
		db_bind_double(s, 4, r->lat);
		db_bind_double(s, 5, r->lon);
	} else {
		db_bind_null(s, 4);
		db_bind_null(s, 5);
	}
	i = 6;
	db_bind_text(s, i++, r->address ? r->address : "");
	db_bind_text(s, i++, r->description ? r->description : "");
	db_bind_int(s, i++, now);
	db_bind_int(s, i++, now);
	db_bind_text(s, i++, r->source);
	if (r->api_key_id > 0)
		db_bind_int(s, i++, r->api_key_id);
	else
		db_bind_null(s, i++);
	db_bind_text(s, i++, pub);
	db_bind_text(s, i++, report_token_hash(a, follow));
	db_bind_text(s, i++, r->name ? r->name : "");
	db_bind_text(s, i++, r->email ? r->email : "");
	db_bind_text(s, i++, r->phone ? r->phone : "");
	db_bind_text(s, i++, r->device_id ? r->device_id : "");
	db_bind_text(s, i++, r->account_id ? r->account_id : "");
	db_bind_text(s, i++, r->lang ? r->lang : "sv");
	if (db_step(s) != DB_ROW)
		return -1;
	*id = db_column_int(s, 0);
	db_step(s);
	for (size_t k = 0; k < r->value_count; k++) {
		s = db_prepare(c, SQL_INSERT_VALUE);
		if (s == NULL)
			return -1;
		db_bind_int(s, 1, *id);
		db_bind_text(s, 2, r->values[k].code);
		db_bind_text(s, 3, r->values[k].value);
		if (db_step(s) != DB_DONE)
			return -1;
	}
	for (size_t k = 0; k < r->media_url_count; k++) {
		s = db_prepare(c, SQL_INSERT_URL);
		if (s == NULL)
			return -1;
		db_bind_int(s, 1, *id);
		db_bind_int(s, 2, now);
		db_bind_text(s, 3, r->media_urls[k]);
		if (db_step(s) != DB_DONE)
			return -1;
	}
	s = db_prepare(c, SQL_INSERT_UPDATE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, *id);
	db_bind_int(s, 2, now);
	db_bind_text(s, 3, "created");
	db_bind_text(s, 4, "received");
	db_bind_text(s, 5, "");
	db_bind_int(s, 6, 1);
	db_bind_null(s, 7);
	if (db_step(s) != DB_DONE)
		return -1;
	*public_token = pub;
	*follow_token = follow;
	return 0;
}

int report_add_update(db_conn *c, int64_t id, int64_t now, const char *kind, int status, const char *text,
		      bool public_, int64_t user_id)
{
	const char *status_name = NULL;
	db_stmt *s;
	if (status >= 0) {
		assert(status < REPORT_STATUS__MAX);
		status_name = report_statuses[status].name;
		s = db_prepare(c, SQL_SET_STATUS);
		if (s == NULL)
			return -1;
		db_bind_text(s, 1, status_name);
		db_bind_int(s, 2, report_statuses[status].open);
		db_bind_int(s, 3, now);
		if (report_statuses[status].open)
			db_bind_null(s, 4);
		else
			db_bind_int(s, 4, now);
		db_bind_int(s, 5, id);
	} else {
		s = db_prepare(c, SQL_TOUCH);
		if (s == NULL)
			return -1;
		db_bind_int(s, 1, now);
		db_bind_int(s, 2, id);
	}
	if (db_step(s) != DB_DONE || db_changes(s) != 1)
		return -1;
	char current[32] = "";
	s = db_prepare(c, SQL_STATUS_OF);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	if (db_step(s) != DB_ROW)
		return -1;
	str_copy(current, db_column_text(s, 0), sizeof(current));
	db_step(s);
	s = db_prepare(c, SQL_INSERT_UPDATE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, now);
	db_bind_text(s, 3, kind);
	db_bind_text(s, 4, current);
	db_bind_text(s, 5, text ? text : "");
	db_bind_int(s, 6, public_);
	if (user_id > 0)
		db_bind_int(s, 7, user_id);
	else
		db_bind_null(s, 7);
	return db_step(s) == DB_DONE ? 0 : -1;
}

static void report_read(db_stmt *s, arena *a, report *r)
{
	r->id = db_column_int(s, 0);
	r->category_code = dup(a, s, 1);
	r->category_name_sv = dup(a, s, 2);
	r->category_name_en = dup(a, s, 3);
	r->group = dup(a, s, 4);
	r->status = report_status_find(db_column_text(s, 5));
	if (r->status < 0)
		r->status = REPORT_RECEIVED;
	r->area_id = db_column_int(s, 6);
	r->has_point = db_column_int(s, 7) != 0;
	r->lat = db_column_double(s, 8);
	r->lon = db_column_double(s, 9);
	r->address = dup(a, s, 10);
	r->description = dup(a, s, 11);
	r->requested_at = db_column_int(s, 12);
	r->updated_at = db_column_int(s, 13);
	r->expected_at = db_column_int(s, 14);
	r->public_token = dup(a, s, 15);
	r->source = dup(a, s, 16);
	r->supporters = db_column_int(s, 17);
	r->duplicate_of = db_column_int(s, 18);
	r->area_name = dup(a, s, 19);
	r->status_notes = dup(a, s, 20);
}

int report_get(db_conn *c, arena *a, int64_t id, report *out)
{
	db_stmt *s = db_prepare(c, SQL_GET);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	report_read(s, a, out);
	db_step(s);
	return 1;
}

int report_search(db_conn *c, const report_query *q, int (*fn)(void *ud, const report *r), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_SEARCH);
	if (s == NULL)
		return -1;
	arena *a = NULL; /* one row's strings, emptied after each row (owned) */
	int i = 1;
	db_bind_int(s, i++, q->start);
	db_bind_int(s, i++, q->end);
	db_bind_int(s, i++, q->updated_after);
	db_bind_int(s, i++, q->updated_before);
	db_bind_text(s, i++, q->codes ? q->codes : "");
	db_bind_text(s, i++, q->codes ? q->codes : "");
	db_bind_int(s, i++, q->open);
	db_bind_int(s, i++, q->open);
	db_bind_int(s, i++, q->bbox);
	db_bind_double(s, i++, q->min_lat);
	db_bind_double(s, i++, q->max_lat);
	db_bind_double(s, i++, q->min_lon);
	db_bind_double(s, i++, q->max_lon);
	/* Distance on a local flat map: degrees of latitude are 111.32 km; of
	 * longitude, that times cos(latitude). Compared squared, in degrees². */
	double coslat = cos(q->lat * M_PI / 180.0), deg = q->metres / 111320.0;
	db_bind_int(s, i++, q->radius);
	db_bind_double(s, i++, q->lat);
	db_bind_double(s, i++, q->lat);
	db_bind_double(s, i++, q->lon);
	db_bind_double(s, i++, q->lon);
	db_bind_double(s, i++, coslat * coslat);
	db_bind_double(s, i++, deg * deg);
	db_bind_int(s, i++, q->area_id);
	db_bind_int(s, i++, q->area_id);
	/* Free text as a LIKE pattern, its own % and _ escaped with '!'. */
	const char *words = q->text ? q->text : "";
	buf pattern = BUF_INIT;
	buf_putc(&pattern, '%');
	for (const char *p = words; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '!')
			buf_putc(&pattern, '!');
		buf_putc(&pattern, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
	}
	buf_putc(&pattern, '%');
	db_bind_text(s, i++, words);
	db_bind_text(s, i++, pattern.data);
	buf_free(&pattern);
	db_bind_int(s, i++, q->limit);
	db_bind_int(s, i++, q->offset);
	int rc;
	a = arena_new();
	while ((rc = db_step(s)) == DB_ROW) {
		report r;
		report_read(s, a, &r);
		int stop = fn(ud, &r);
		arena_reset(a);
		if (stop != 0) {
			while (db_step(s) == DB_ROW)
				;
			rc = DB_DONE;
			break;
		}
	}
	arena_free(a);
	return rc == DB_ERROR ? -1 : 0;
}

static int id_by(db_conn *c, const char *sql, const char *value, int64_t *id)
{
	db_stmt *s = db_prepare(c, sql);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, value);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	*id = db_column_int(s, 0);
	db_step(s);
	return 1;
}

int report_by_token(db_conn *c, const char *token, int64_t *id)
{
	return id_by(c, SQL_BY_TOKEN, token, id);
}

int report_by_follow_token(db_conn *c, const char *token, int64_t *id)
{
	arena *a = arena_new();
	int rc = id_by(c, SQL_BY_FOLLOW, report_token_hash(a, token), id);
	arena_free(a);
	return rc;
}

int report_photos(db_conn *c, arena *a, int64_t id, int64_t **ids, const char ***urls)
{
	db_stmt *s = db_prepare(c, SQL_PHOTOS);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	size_t cap = 8, n = 0;
	*ids = arena_alloc(a, cap * sizeof(**ids));
	*urls = arena_alloc(a, cap * sizeof(**urls));
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (n == cap)
			continue; /* more than a report may hold: the first ones are shown */
		const char *file = db_column_text(s, 1);
		(*ids)[n] = file && *file ? db_column_int(s, 0) : 0;
		(*urls)[n] = dup(a, s, 2);
		n++;
	}
	return rc == DB_ERROR ? -1 : (int)n;
}

int report_counts(db_conn *c, int64_t from, int64_t to, int (*fn)(void *ud, const report_count *row), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_COUNTS);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, from);
	db_bind_int(s, 2, to);
	/* The database groups by day (the same arithmetic on both); days are
	 * merged into months here, rows of one month being adjacent. */
	char code[80] = "", status[32] = "";
	report_count cur = { 0 };
	bool have = false, stop = false;
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (stop)
			continue;
		time_t day = (time_t)(db_column_int(s, 4) * 86400);
		struct tm tm;
		gmtime_r(&day, &tm);
		const char *row_code = db_column_text(s, 0), *row_status = db_column_text(s, 2);
		int64_t area = db_column_int(s, 1);
		if (have && strcmp(code, row_code) == 0 && cur.area_id == area && strcmp(status, row_status) == 0 &&
		    cur.year == tm.tm_year + 1900 && cur.month == tm.tm_mon + 1) {
			cur.count += db_column_int(s, 5);
			continue;
		}
		if (have && fn(ud, &cur) != 0)
			stop = true;
		str_copy(code, row_code, sizeof(code));
		str_copy(status, row_status, sizeof(status));
		cur = (report_count){ code, area, tm.tm_year + 1900, tm.tm_mon + 1, status, db_column_int(s, 3) != 0,
				      db_column_int(s, 5) };
		have = true;
	}
	if (rc == DB_ERROR)
		return -1;
	if (have && !stop)
		fn(ud, &cur);
	return 0;
}

static const char SQL_UPDATES[] =
	"SELECT id, report_id, at, kind, status, text FROM report_updates WHERE public = 1 "
	"AND kind IN ('created', 'status', 'note', 'withdrawn') AND (? = 0 OR report_id = ?) AND at >= ? AND at <= ? "
	"ORDER BY at, id LIMIT ?";

int report_public_updates(db_conn *c, arena *a, int64_t id, int64_t from, int64_t to, int64_t limit,
			  int (*fn)(void *ud, const report_update *u), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_UPDATES);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, id);
	db_bind_int(s, 3, from);
	db_bind_int(s, 4, to);
	db_bind_int(s, 5, limit);
	int rc;
	bool stop = false;
	while ((rc = db_step(s)) == DB_ROW) {
		if (stop)
			continue;
		report_update u = { db_column_int(s, 0), db_column_int(s, 1), db_column_int(s, 2), dup(a, s, 3),
				    report_status_find(db_column_text(s, 4)), dup(a, s, 5) };
		if (u.status < 0)
			u.status = REPORT_RECEIVED;
		stop = fn(ud, &u) != 0;
	}
	return rc == DB_ERROR ? -1 : 0;
}

static const char SQL_CONTACT[] =
	"SELECT reporter_name, reporter_email, reporter_phone, lang FROM reports WHERE id = ?";

int report_contact(db_conn *c, arena *a, int64_t id, report_contact_details *out)
{
	db_stmt *s = db_prepare(c, SQL_CONTACT);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	out->name = dup(a, s, 0);
	out->email = dup(a, s, 1);
	out->phone = dup(a, s, 2);
	out->lang = dup(a, s, 3);
	db_step(s);
	return 1;
}

static const char SQL_HISTORY[] =
	"SELECT u.at, u.kind, u.status, u.text, u.public, COALESCE(s.name, '') FROM report_updates u "
	"LEFT JOIN users s ON s.id = u.user_id WHERE u.report_id = ? ORDER BY u.at, u.id";

int report_history(db_conn *c, arena *a, int64_t id, int (*fn)(void *ud, const report_history_entry *e), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_HISTORY);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		report_history_entry e = { db_column_int(s, 0), dup(a, s, 1), report_status_find(db_column_text(s, 2)),
					   dup(a, s, 3), db_column_int(s, 4) != 0, dup(a, s, 5) };
		if (e.status < 0)
			e.status = REPORT_RECEIVED;
		fn(ud, &e);
	}
	return rc == DB_ERROR ? -1 : 0;
}

static const char SQL_ERASE_NOTES[] =
	"UPDATE report_updates SET text = '' WHERE kind = 'resident' AND report_id IN (SELECT id FROM reports "
	"WHERE is_open = 0 AND closed_at < ? AND personal_erased_at IS NULL)";
/* The forwarding's notes between the handläggare and the police may repeat
 * the reporter's details (with_contact shows them from reports, erased below). */
static const char SQL_ERASE_POLICE_NOTES[] =
	"UPDATE report_police SET note = '', received_note = '' WHERE report_id IN (SELECT id FROM reports "
	"WHERE is_open = 0 AND closed_at < ? AND personal_erased_at IS NULL)";
static const char SQL_ERASE[] =
	"UPDATE reports SET reporter_name = '', reporter_email = '', reporter_phone = '', device_id = '', account_id = '', "
	"personal_erased_at = ? WHERE is_open = 0 AND closed_at < ? AND personal_erased_at IS NULL";

int report_erase_personal(db_conn *c, int64_t now, int months)
{
	int64_t before = now - (int64_t)months * 30 * 86400;
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_ERASE_NOTES)) == NULL)
		goto fail;
	db_bind_int(s, 1, before);
	if (db_step(s) != DB_DONE || (s = db_prepare(c, SQL_ERASE_POLICE_NOTES)) == NULL)
		goto fail;
	db_bind_int(s, 1, before);
	if (db_step(s) != DB_DONE || (s = db_prepare(c, SQL_ERASE)) == NULL)
		goto fail;
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, before);
	if (db_step(s) != DB_DONE)
		goto fail;
	int64_t n = db_changes(s);
	if (db_commit(c) != 0)
		goto fail;
	return (int)n;
fail:
	db_rollback(c);
	return -1;
}

int report_retention_run(db_conn *c, const config *cfg, int64_t now)
{
	(void)cfg;
	arena *a = arena_new();
	int64_t months = settings_get_int(c, a, SETTING_REPORT_RETENTION_MONTHS);
	arena_free(a);
	int n = report_erase_personal(c, now, months > 0 ? (int)months : 12);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	char detail[64];
	snprintf(detail, sizeof(detail), "retention: %d reports", n);
	return audit_write(c, 0, "report.erase_personal", "", detail);
}
