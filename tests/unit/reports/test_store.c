/*
 * test_store.c — Felanmälan's storage: a report keeps its category, area,
 * point and times; status changes set open/closed; report_counts() gives
 * category × area × month × status for the lägesbild; search filters;
 * personal data erased after the retention time.
 *
 * Every test runs on SQLite (a file in a temporary folder) and, when
 * TRYGG_TEST_PG_URL names a PostgreSQL database (tests/run.sh starts one),
 * once more on PostgreSQL in a schema of its own that it drops at the end;
 * without it the PostgreSQL tests are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "db/db.h"
#include "reports/report_internal.h"

typedef struct backend {
	db_kind kind;
	const char *url; /* PostgreSQL: the database to make schemas in; NULL skips */
} backend;

typedef struct fixture {
	char dir[64];       /* SQLite: the temporary folder of the file */
	char schema[64];    /* PostgreSQL: the schema this test runs in */
	const char *pg_url; /* PostgreSQL: the database URL without the schema */
	db *db;             /* NULL when the backend is not available */
	db_conn *c;
	arena *a;
} fixture;

static backend sqlite_backend = { DB_SQLITE, NULL };
static backend pg_backend = { DB_POSTGRES, NULL };

/* Runs one statement of SQL (a printf format) on a pool of its own: the
 * schema of a test is made and dropped outside the pool under test. */
static void pg_admin(const char *url, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void pg_admin(const char *url, const char *format, ...)
{
	char *err = NULL;
	db *d = db_open(url, 1, &err);
	if (d == NULL)
		fail_msg("cannot open %s: %s", url, err);
	db_conn *c = db_acquire(d);
	assert_non_null(c);
	buf sql = BUF_INIT;
	va_list ap;
	va_start(ap, format);
	buf_vprintf(&sql, format, ap);
	va_end(ap);
	if (db_exec_script(c, sql.data) != 0)
		fail_msg("%s: %s", sql.data, db_errmsg(c));
	buf_free(&sql);
	db_release(d, c);
	db_close(d);
}

static int setup(void **state)
{
	static int serial;
	const backend *b = *state;
	fixture *f = calloc(1, sizeof(*f));
	buf url = BUF_INIT;
	char *err = NULL;
	assert_non_null(f);
	*state = f;
	if (b->kind == DB_POSTGRES && b->url == NULL)
		return 0;
	if (b->kind == DB_SQLITE) {
		snprintf(f->dir, sizeof(f->dir), "/tmp/trygg-test-reports-XXXXXX");
		assert_non_null(mkdtemp(f->dir));
		buf_printf(&url, "sqlite:%s/r.db", f->dir);
	} else {
		snprintf(f->schema, sizeof(f->schema), "trygg_test_reports_%ld_%d", (long)getpid(), ++serial);
		f->pg_url = b->url;
		pg_admin(b->url, "CREATE SCHEMA %s", f->schema);
		buf_printf(&url, "%s%soptions=-c%%20search_path%%3D%s", b->url, strchr(b->url, '?') ? "&" : "?", f->schema);
	}
	f->db = db_open(url.data, 1, &err);
	if (f->db == NULL || db_migrate(f->db, "migrations", &err) != 0)
		fail_msg("cannot open or migrate %s: %s", url.data, err);
	buf_free(&url);
	f->c = db_acquire(f->db);
	assert_non_null(f->c);
	f->a = arena_new();
	assert_int_equal(report_demo_load(f->c, NULL, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char path[128];
	if (f->db) {
		db_release(f->db, f->c);
		db_close(f->db);
		arena_free(f->a);
	}
	if (f->schema[0] != '\0')
		pg_admin(f->pg_url, "DROP SCHEMA %s CASCADE", f->schema);
	if (f->dir[0] != '\0') {
		static const char *const suffixes[] = { "", "-wal", "-shm" };
		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			snprintf(path, sizeof(path), "%s/r.db%s", f->dir, suffixes[i]);
			unlink(path);
		}
		rmdir(f->dir);
	}
	free(f);
	return 0;
}

/* The fixture of a test; skips the test when its backend is not available. */
static fixture *fixture_of(void **state)
{
	fixture *f = *state;
	if (f->db == NULL)
		skip();
	return f;
}

static int64_t add(fixture *f, const char *code, double lat, int64_t when)
{
	report_category c;
	report_new n = { .source = "web", .lang = "sv", .has_point = true, .lat = lat, .lon = 12.1, .description = "x" };
	int64_t id;
	const char *token, *follow;
	assert_int_equal(report_category_find(f->c, f->a, code, &c), 1);
	n.category = &c;
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(report_insert(f->c, f->a, &n, when, &id, &token, &follow), 0);
	assert_int_equal(db_commit(f->c), 0);
	int64_t found;
	assert_int_equal(report_by_follow_token(f->c, follow, &found), 1);
	assert_int_equal(found, id);
	assert_int_equal(report_by_token(f->c, token, &found), 1);
	assert_int_equal(found, id);
	return id;
}

typedef struct collected {
	int rows;
	int64_t total, klotter_nov_open, fixed;
} collected;

static int collect(void *ud, const report_count *row)
{
	collected *c = ud;
	c->rows++;
	c->total += row->count;
	if (strcmp(row->category, "klotter") == 0 && row->year == 2026 && row->month == 11 && row->is_open)
		c->klotter_nov_open += row->count;
	if (strcmp(row->status, "fixed") == 0)
		c->fixed += row->count;
	return 0;
}

static void counts_by_category_area_month_status(void **state)
{
	fixture *f = fixture_of(state);
	const int64_t nov1 = 1793491200, dec1 = 1796083200; /* 2026-11-01, 2026-12-01 UTC */
	add(f, "klotter", 57.74, nov1 + 10);
	add(f, "klotter", 57.74, nov1 + 86400 * 3);
	int64_t fixed = add(f, "klotter", 57.74, nov1 + 86400 * 5);
	add(f, "klotter", 57.74, dec1 + 5);
	add(f, "gatubelysning", 57.75, nov1 + 100);
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(report_add_update(f->c, fixed, dec1, "status", REPORT_FIXED, "Sanerat", true, 0), 0);
	assert_int_equal(db_commit(f->c), 0);
	report r;
	assert_int_equal(report_get(f->c, f->a, fixed, &r), 1);
	assert_int_equal(r.status, REPORT_FIXED);
	assert_string_equal(r.status_notes, "Sanerat");
	collected c = { 0 };
	assert_int_equal(report_counts(f->c, nov1, dec1 + 86400 * 31, collect, &c), 0);
	assert_int_equal(c.total, 5);
	assert_int_equal(c.klotter_nov_open, 2);
	assert_int_equal(c.fixed, 1);
	assert_int_equal(c.rows, 4); /* klotter nov received, klotter nov fixed, klotter dec, gatubelysning nov */
}

static int count_one(void *ud, const report *r)
{
	(*(int *)ud)++;
	return 0;
}

static void search_filters(void **state)
{
	fixture *f = fixture_of(state);
	add(f, "nedskrapning", 57.70, 1800000000);
	report_query q = { .start = 0, .end = INT64_MAX, .updated_after = INT64_MIN, .updated_before = INT64_MAX,
			   .codes = ",nedskrapning,", .open = 1, .limit = 10 };
	int n = 0;
	assert_int_equal(report_search(f->c, &q, count_one, &n), 0);
	assert_int_equal(n, 1);
	q.radius = true;
	q.lat = 57.74;
	q.lon = 12.1;
	q.metres = 1000;
	n = 0;
	assert_int_equal(report_search(f->c, &q, count_one, &n), 0);
	assert_int_equal(n, 0);
	q.metres = 5000;
	n = 0;
	assert_int_equal(report_search(f->c, &q, count_one, &n), 0);
	assert_int_equal(n, 1);
}

typedef struct ids_seen {
	int64_t ids[8];
	int n;
} ids_seen;

static int note_id(void *ud, const report *r)
{
	ids_seen *seen = ud;
	if (seen->n < 8)
		seen->ids[seen->n] = r->id;
	seen->n++;
	return 0;
}

/* The bbox search of Open311 GET requests (migrations/0011 gives it its own
 * index): only points inside, newest first, within the time window, paged. */
static void search_bbox_newest_first(void **state)
{
	fixture *f = fixture_of(state);
	const int64_t t = 1800000000;
	int64_t inside_old = add(f, "klotter", 57.740, t);
	add(f, "klotter", 57.760, t + 10); /* north of the box */
	int64_t inside_new = add(f, "gatubelysning", 57.741, t + 20);
	int64_t inside_newest = add(f, "nedskrapning", 57.742, t + 30);
	report_query q = { .start = t, .end = INT64_MAX, .updated_after = INT64_MIN, .updated_before = INT64_MAX,
			   .codes = "", .open = -1, .bbox = true, .min_lat = 57.735, .max_lat = 57.745, .min_lon = 12.05,
			   .max_lon = 12.15, .limit = 10 };
	ids_seen seen = { 0 };
	assert_int_equal(report_search(f->c, &q, note_id, &seen), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.ids[0], inside_newest);
	assert_int_equal(seen.ids[1], inside_new);
	assert_int_equal(seen.ids[2], inside_old);
	q.start = t + 5; /* the oldest falls out of the window */
	q.limit = 1;
	q.offset = 1;
	seen = (ids_seen){ 0 };
	assert_int_equal(report_search(f->c, &q, note_id, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.ids[0], inside_new);
	q.min_lon = 12.2; /* the points lie at longitude 12.1 */
	q.max_lon = 12.3;
	q.offset = 0;
	seen = (ids_seen){ 0 };
	assert_int_equal(report_search(f->c, &q, note_id, &seen), 0);
	assert_int_equal(seen.n, 0);
}

static void personal_data_erased_after_retention(void **state)
{
	fixture *f = fixture_of(state);
	report_category c;
	report_new n = { .source = "api", .lang = "sv", .address = "Gatan 1", .description = "x", .name = "Anna A",
			 .email = "anna@example.se", .phone = "070", .device_id = "dev" };
	int64_t id, now = 1800000000;
	const char *token, *follow;
	report_contact_details who;
	assert_int_equal(report_category_find(f->c, f->a, "klotter", &c), 1);
	n.category = &c;
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(report_insert(f->c, f->a, &n, now - 400 * 86400, &id, &token, &follow), 0);
	assert_int_equal(report_add_update(f->c, id, now - 399 * 86400, "resident", -1, "Ring mig på 070", false, 0), 0);
	/* Forwarded to the police with a note that repeats the reporter's number. */
	db_stmt *s = db_prepare(f->c, "INSERT INTO report_police (report_id, forwarded_at, note, with_contact, received_at, "
				      "received_note) VALUES (?, ?, 'Anmälaren Anna A, 070, såg bilen', 1, ?, 'Anna A hörd')");
	assert_non_null(s);
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, now - 398 * 86400);
	db_bind_int(s, 3, now - 397 * 86400);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_commit(f->c), 0);
	assert_int_equal(report_erase_personal(f->c, now, 12), 0); /* still open: kept */
	assert_int_equal(db_begin_write(f->c), 0);
	assert_int_equal(report_add_update(f->c, id, now - 200 * 86400, "status", REPORT_FIXED, "", true, 0), 0);
	assert_int_equal(db_commit(f->c), 0);
	assert_int_equal(report_erase_personal(f->c, now, 12), 0); /* closed 200 days ago: kept */
	assert_int_equal(report_erase_personal(f->c, now + 200 * 86400, 12), 1);
	assert_int_equal(report_contact(f->c, f->a, id, &who), 1);
	assert_string_equal(who.name, "");
	assert_string_equal(who.email, "");
	assert_string_equal(who.phone, "");
	report r;
	assert_int_equal(report_get(f->c, f->a, id, &r), 1);
	assert_string_equal(r.description, "x");
	/* The resident's note and the notes between staff and police are emptied; the forwarding stays. */
	s = db_prepare(f->c, "SELECT (SELECT COUNT(*) FROM report_updates WHERE report_id = ? AND kind = 'resident' AND text <> ''), "
			     "note, received_note, with_contact, received_at FROM report_police WHERE report_id = ?");
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, id);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 0);
	assert_string_equal(db_column_text(s, 1), "");
	assert_string_equal(db_column_text(s, 2), "");
	assert_int_equal(db_column_int(s, 3), 1);
	assert_int_equal(db_column_int(s, 4), now - 397 * 86400);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(report_erase_personal(f->c, now + 200 * 86400, 12), 0); /* once */
}

#define STORE_TEST(fn, backend) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, backend)
#define STORE_TESTS(backend)                                                                                  \
	STORE_TEST(counts_by_category_area_month_status, backend), STORE_TEST(search_filters, backend),          \
		STORE_TEST(search_bbox_newest_first, backend), STORE_TEST(personal_data_erased_after_retention, backend)

int main(void)
{
	pg_backend.url = getenv("TRYGG_TEST_PG_URL");
	if (pg_backend.url != NULL && pg_backend.url[0] == '\0')
		pg_backend.url = NULL;
	const struct CMUnitTest sqlite_tests[] = { STORE_TESTS(&sqlite_backend) };
	const struct CMUnitTest pg_tests[] = { STORE_TESTS(&pg_backend) };
	int failed = cmocka_run_group_tests_name("report_store on SQLite", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("report_store on PostgreSQL", pg_tests, NULL, NULL);
	return failed != 0;
}
