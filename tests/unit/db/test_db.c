/*
 * test_db.c — the storage interface (db.h) on both backends.
 *
 * Every test runs on SQLite (a file in a temporary folder) and, when
 * TRYGG_TEST_PG_URL names a PostgreSQL database, once more on PostgreSQL;
 * without it the PostgreSQL tests are skipped. Each PostgreSQL test works in
 * a schema of its own that it drops at the end, so the database may be shared
 * (scripts/pg-cluster.sh makes a throwaway one). The last tests make the
 * server end the connection and check that the backend reconnects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "db/db.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define THREADS 8
#define ROWS_PER_THREAD 25

typedef struct backend {
	db_kind kind;
	const char *url; /* PostgreSQL: the database to make schemas in; NULL skips */
} backend;

typedef struct fixture {
	db_kind kind;
	char dir[64];       /* temporary folder: migrations/ and the SQLite file */
	char schema[64];    /* PostgreSQL: the schema this test runs in */
	const char *pg_url; /* PostgreSQL: the database URL without the schema */
	char *url;          /* owned: what db_open() gets */
	db *db;             /* NULL when the backend is not available */
} fixture;

static backend sqlite_backend = { DB_SQLITE, NULL };
static backend pg_backend = { DB_POSTGRES, NULL };

static const char items_migration[] =
	"CREATE TABLE items (\n"
	"  id {{id}},\n"
	"  name TEXT UNIQUE,\n"
	"  n BIGINT,\n"
	"  x {{real}},\n"
	"  data {{blob}},\n"
	"  note TEXT\n"
	");\n";

static void write_file(const char *dir, const char *name, const char *text)
{
	buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", dir, name);
	FILE *f = fopen(path.data, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	buf_free(&path);
}

/* Runs one statement of SQL, made from a printf format, on a pool of its own. */
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

static void migrations_path(const fixture *f, buf *out)
{
	buf_printf(out, "%s/migrations", f->dir);
}

static int fixture_setup(void **state)
{
	static int serial;
	const backend *b = *state;
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->kind = b->kind;
	*state = f;
	if (b->kind == DB_POSTGRES && b->url == NULL)
		return 0;
	snprintf(f->dir, sizeof(f->dir), "/tmp/trygg-test-db-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	buf path = BUF_INIT, url = BUF_INIT;
	migrations_path(f, &path);
	assert_int_equal(mkdir(path.data, 0700), 0);
	write_file(path.data, "0001_items.sql", items_migration);
	if (b->kind == DB_SQLITE) {
		buf_printf(&url, "sqlite:%s/test.db", f->dir);
	} else {
		snprintf(f->schema, sizeof(f->schema), "trygg_test_%ld_%d", (long)getpid(), ++serial);
		f->pg_url = b->url;
		pg_admin(b->url, "CREATE SCHEMA %s", f->schema);
		buf_printf(&url, "%s%soptions=-c%%20search_path%%3D%s", b->url,
			   strchr(b->url, '?') ? "&" : "?", f->schema);
	}
	f->url = buf_detach(&url);
	char *err = NULL;
	f->db = db_open(f->url, 4, &err);
	if (f->db == NULL)
		fail_msg("db_open %s: %s", f->url, err);
	if (db_migrate(f->db, path.data, &err) != 0)
		fail_msg("db_migrate: %s", err);
	buf_free(&path);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int fixture_teardown(void **state)
{
	fixture *f = *state;
	db_close(f->db);
	if (f->schema[0] != '\0')
		pg_admin(f->pg_url, "DROP SCHEMA %s CASCADE", f->schema);
	if (f->dir[0] != '\0')
		nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f->url);
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

static db_conn *acquire(fixture *f)
{
	db_conn *c = db_acquire(f->db);
	assert_non_null(c);
	return c;
}

static db_stmt *prepare(db_conn *c, const char *sql)
{
	db_stmt *s = db_prepare(c, sql);
	if (s == NULL)
		fail_msg("prepare %s: %s", sql, db_errmsg(c));
	return s;
}

/* Runs sql (no parameters) and returns the first column of its first row. */
static int64_t query_int(db_conn *c, const char *sql)
{
	db_stmt *s = prepare(c, sql);
	if (db_step(s) != DB_ROW)
		fail_msg("%s: %s", sql, db_errmsg(c));
	return db_column_int(s, 0);
}

/* Inserts an item with only a name and n; returns the step result. */
static int insert_item(db_conn *c, const char *name, int64_t n)
{
	db_stmt *s = prepare(c, "INSERT INTO items (name, n) VALUES (?, ?)");
	db_bind_text(s, 1, name);
	db_bind_int(s, 2, n);
	return db_step(s);
}

static void test_migrate(void **state)
{
	fixture *f = fixture_of(state);
	buf path = BUF_INIT;
	char *err = NULL;
	migrations_path(f, &path);

	/* Run again: nothing new, nothing done. */
	if (db_migrate(f->db, path.data, &err) != 0)
		fail_msg("second db_migrate: %s", err);

	write_file(path.data, "0002_more.sql", "CREATE TABLE more (id {{id}}, v {{real}}, b {{blob}});\n");
	write_file(path.data, "0003_nothing.sql", "-- only a comment\n");
	write_file(path.data, "0004_bad.sql",
		   "CREATE TABLE doomed (a INTEGER);\n"
		   "INSERT INTO doomed (a) VALUES (1);\n"
		   "INSERT INTO no_such_table (a) VALUES (1);\n");
	assert_int_equal(db_migrate(f->db, path.data, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "0004_bad.sql"));
	free(err);

	db_conn *c = acquire(f);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM schema_migrations"), 3);
	assert_int_equal(query_int(c, "SELECT MAX(version) FROM schema_migrations"), 3);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM more"), 0);
	assert_null(db_prepare(c, "SELECT COUNT(*) FROM doomed"));
	db_release(f->db, c);
	buf_free(&path);
}

/* {{sqlite}} and {{pg}} blocks are kept on their own backend only. */
static void test_migrate_dialect_blocks(void **state)
{
	fixture *f = fixture_of(state);
	buf path = BUF_INIT;
	char *err = NULL;
	migrations_path(f, &path);
	write_file(path.data, "0002_blocks.sql",
		   "CREATE TABLE dialect (name TEXT, x {{real}});\n"
		   "{{sqlite}}\nINSERT INTO dialect (name) VALUES ('sqlite');\n{{/sqlite}}\n"
		   "{{pg}}\nINSERT INTO dialect (name) VALUES ('pg');\n"
		   "INSERT INTO dialect (name) VALUES ('pg, again');\n{{/pg}}\n"
		   "INSERT INTO dialect (name) VALUES ('both');\n");
	if (db_migrate(f->db, path.data, &err) != 0)
		fail_msg("db_migrate: %s", err);
	db_conn *c = acquire(f);
	bool sqlite = f->kind == DB_SQLITE;
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM dialect WHERE name = 'sqlite'"), sqlite ? 1 : 0);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM dialect WHERE name LIKE 'pg%'"), sqlite ? 0 : 2);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM dialect WHERE name = 'both'"), 1);
	db_release(f->db, c);
	buf_free(&path);
}

static void test_values(void **state)
{
	static const unsigned char bytes[] = { 0x00, 0x01, 'a', 0x00, 0xff, '\\', 'x', 0x00 };
	static const struct {
		const char *name;
		int64_t n;
		double x;
		const void *data; /* NULL for SQL NULL */
		size_t data_len;
		const char *note;
	} rows[] = {
		{ "Åsa öster?", INT64_MAX, 3.25, bytes, sizeof(bytes), NULL },
		{ "min", INT64_MIN, -1e300, "", 0, "it's a 'note' \"quoted\"" },
		{ "big", 5000000000, 0.1, NULL, 0, "" },
	};
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		db_stmt *s = prepare(c, "INSERT INTO items (name, n, x, data, note) VALUES (?, ?, ?, ?, ?)");
		db_bind_text(s, 1, rows[i].name);
		db_bind_int(s, 2, rows[i].n);
		db_bind_double(s, 3, rows[i].x);
		if (rows[i].data)
			db_bind_blob(s, 4, rows[i].data, rows[i].data_len);
		else
			db_bind_null(s, 4);
		db_bind_text(s, 5, rows[i].note);
		if (db_step(s) != DB_DONE)
			fail_msg("insert %s: %s", rows[i].name, db_errmsg(c));
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		db_stmt *s = prepare(c, "SELECT name, n, x, data, note FROM items WHERE name = ?");
		db_bind_text(s, 1, rows[i].name);
		assert_int_equal(db_step(s), DB_ROW);
		assert_string_equal(db_column_text(s, 0), rows[i].name);
		assert_true(db_column_int(s, 1) == rows[i].n);
		assert_true(db_column_double(s, 2) == rows[i].x);
		size_t len = 99;
		const void *data = db_column_blob(s, 3, &len);
		if (rows[i].data == NULL) {
			assert_true(db_column_is_null(s, 3));
			assert_null(data);
			assert_int_equal(len, 0);
		} else {
			assert_false(db_column_is_null(s, 3));
			assert_int_equal(len, rows[i].data_len);
			if (len > 0)
				assert_memory_equal(data, rows[i].data, len);
		}
		if (rows[i].note == NULL) {
			assert_true(db_column_is_null(s, 4));
			assert_null(db_column_text(s, 4));
		} else
			assert_string_equal(db_column_text(s, 4), rows[i].note);
		assert_int_equal(db_step(s), DB_DONE);
	}
	db_release(f->db, c);
}

static void test_returning_and_changes(void **state)
{
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	int64_t last = 0;
	for (int i = 1; i <= 3; i++) {
		db_stmt *s = prepare(c, "INSERT INTO items (name, n) VALUES (?, ?) RETURNING id");
		char name[16];
		snprintf(name, sizeof(name), "r%d", i);
		db_bind_text(s, 1, name);
		db_bind_int(s, 2, i);
		assert_int_equal(db_step(s), DB_ROW);
		int64_t id = db_column_int(s, 0);
		assert_true(id > last);
		last = id;
		assert_int_equal(db_step(s), DB_DONE);
	}
	db_stmt *s = prepare(c, "UPDATE items SET note = ? WHERE n >= ?");
	db_bind_text(s, 1, "updated");
	db_bind_int(s, 2, 2);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_changes(s), 2);
	s = prepare(c, "DELETE FROM items WHERE n = ?");
	db_bind_int(s, 1, 1);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_changes(s), 1);
	s = prepare(c, "DELETE FROM items WHERE n = ?");
	db_bind_int(s, 1, 99);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_changes(s), 0);
	db_release(f->db, c);
}

static void test_conflict(void **state)
{
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	assert_int_equal(insert_item(c, "dup", 1), DB_DONE);
	assert_int_equal(insert_item(c, "dup", 2), DB_ERROR);
	assert_true(db_error_is_conflict(c));
	assert_true(strlen(db_errmsg(c)) > 0);
	/* Another kind of error is not a conflict. */
	assert_null(db_prepare(c, "SELECT no_such_column FROM items"));
	assert_false(db_error_is_conflict(c));
	/* The same inside a transaction, which then rolls back. */
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(insert_item(c, "other", 3), DB_DONE);
	assert_int_equal(insert_item(c, "dup", 4), DB_ERROR);
	assert_true(db_error_is_conflict(c));
	assert_int_equal(db_rollback(c), 0);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), 1);
	if (f->kind == DB_POSTGRES) {
		/* An error ends a PostgreSQL transaction: COMMIT must not claim success. */
		assert_int_equal(db_begin_write(c), 0);
		assert_int_equal(insert_item(c, "dup", 5), DB_ERROR);
		assert_int_equal(db_commit(c), -1);
		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), 1);
	}
	db_release(f->db, c);
}

static void test_statement_cache(void **state)
{
	static const char sql[] = "SELECT n FROM items WHERE n >= ? ORDER BY n";
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(insert_item(c, i == 1 ? "a" : i == 2 ? "b" : "c", i), DB_DONE);
	db_stmt *first = prepare(c, sql);
	db_bind_int(first, 1, 1);
	assert_int_equal(db_step(first), DB_ROW);
	assert_int_equal(db_column_int(first, 0), 1);
	/* Prepared again while a result is pending: the same statement, reset. */
	db_stmt *second = prepare(c, sql);
	assert_ptr_equal(first, second);
	db_bind_int(second, 1, 2);
	assert_int_equal(db_step(second), DB_ROW);
	assert_int_equal(db_column_int(second, 0), 2);
	assert_int_equal(db_step(second), DB_ROW);
	assert_int_equal(db_column_int(second, 0), 3);
	assert_int_equal(db_step(second), DB_DONE);
	db_release(f->db, c);
	/* After a release the cached statement still works. */
	c = acquire(f);
	db_stmt *third = prepare(c, sql);
	db_bind_int(third, 1, 3);
	assert_int_equal(db_step(third), DB_ROW);
	assert_int_equal(db_column_int(third, 0), 3);
	assert_int_equal(db_step(third), DB_DONE);
	assert_true(db_ping(c));
	db_release(f->db, c);
}

static void test_transactions(void **state)
{
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	db_conn *other = acquire(f);

	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(insert_item(c, "kept", 1), DB_DONE);
	/* Not visible to another connection before the commit. */
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM items"), 0);
	assert_int_equal(db_commit(c), 0);
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM items"), 1);

	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(insert_item(c, "undone", 2), DB_DONE);
	assert_int_equal(db_rollback(c), 0);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), 1);

	/* Releasing a connection rolls back what it left open. */
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(insert_item(c, "abandoned", 3), DB_DONE);
	db_release(f->db, c);
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM items"), 1);

	assert_int_equal(db_begin_read(other), 0);
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM items WHERE name = 'kept'"), 1);
	assert_int_equal(db_commit(other), 0);
	db_release(f->db, other);
}

static void test_question_mark_in_literals(void **state)
{
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	db_stmt *s = prepare(c, "SELECT 'a?b' AS \"q?\", ? /* ? */, 'it''s ?' -- ?\n, ?");
	db_bind_int(s, 1, 7);
	db_bind_text(s, 2, "eight");
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "a?b");
	assert_int_equal(db_column_int(s, 1), 7);
	assert_string_equal(db_column_text(s, 2), "it's ?");
	assert_string_equal(db_column_text(s, 3), "eight");
	assert_int_equal(db_step(s), DB_DONE);
	if (f->kind == DB_POSTGRES) {
		/* PostgreSQL's own quoting: escape strings, dollar quotes, nested comments. */
		s = prepare(c, "SELECT E'x\\'?', $$?$$, $tag$ ?$ $tag$, /* /* ? */ ? */ ?");
		db_bind_int(s, 1, 9);
		assert_int_equal(db_step(s), DB_ROW);
		assert_string_equal(db_column_text(s, 0), "x'?");
		assert_string_equal(db_column_text(s, 1), "?");
		assert_string_equal(db_column_text(s, 2), " ?$ ");
		assert_int_equal(db_column_int(s, 3), 9);
	}
	db_release(f->db, c);
}

typedef struct worker {
	db *db;
	int id;
	int failures;
} worker;

static void *worker_run(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < ROWS_PER_THREAD; i++) {
		db_conn *c = db_acquire(w->db);
		if (c == NULL) {
			w->failures++;
			continue;
		}
		char name[32];
		snprintf(name, sizeof(name), "w%d-%d", w->id, i);
		if (db_begin_write(c) != 0 || insert_item(c, name, i) != DB_DONE || db_commit(c) != 0 ||
		    !db_ping(c)) {
			fprintf(stderr, "worker %d: %s\n", w->id, db_errmsg(c));
			w->failures++;
		}
		db_release(w->db, c);
	}
	return NULL;
}

static void test_pool_threads(void **state)
{
	fixture *f = fixture_of(state);
	pthread_t threads[THREADS];
	worker workers[THREADS];
	for (int i = 0; i < THREADS; i++) {
		workers[i] = (worker){ f->db, i, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, worker_run, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(workers[i].failures, 0);
	}
	db_conn *c = acquire(f);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), THREADS * ROWS_PER_THREAD);
	db_release(f->db, c);
}

static void test_open_errors(void **state)
{
	fixture *f = fixture_of(state);
	char *err = NULL;
	const char *url = f->kind == DB_SQLITE ? "sqlite:/nonexistent/folder/x.db"
					       : "postgresql://trygg@127.0.0.1:1/nothing";
	assert_null(db_open(url, 1, &err));
	assert_non_null(err);
	free(err);
	assert_null(db_open("mysql://x", 1, &err));
	assert_non_null(err);
	free(err);
}

/* Makes another connection end c's server process and waits until it is gone. */
static void pg_kill_from_outside(fixture *f, db_conn *c)
{
	int64_t pid = query_int(c, "SELECT pg_backend_pid()");
	db_conn *killer = acquire(f);
	db_stmt *s = prepare(killer, "SELECT pg_terminate_backend(?)");
	db_bind_int(s, 1, pid);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 1);
	for (int i = 0; i < 500; i++) {
		s = prepare(killer, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?");
		db_bind_int(s, 1, pid);
		assert_int_equal(db_step(s), DB_ROW);
		if (db_column_int(s, 0) == 0)
			break;
		usleep(10000);
	}
	db_release(f->db, killer);
}

static void test_pg_reconnect_same_connection(void **state)
{
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	int64_t pid = query_int(c, "SELECT pg_backend_pid()");
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), 0);
	/* The result of the suicide itself does not matter; what follows does. */
	db_stmt *s = prepare(c, "SELECT pg_terminate_backend(pg_backend_pid())");
	(void)db_step(s);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), 0);
	assert_true(query_int(c, "SELECT pg_backend_pid()") != pid);
	s = prepare(c, "SHOW TimeZone");
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "UTC");
	assert_true(db_ping(c));
	db_release(f->db, c);
}

static void test_pg_reconnect_idle(void **state)
{
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	assert_int_equal(insert_item(c, "before", 1), DB_DONE);
	pg_kill_from_outside(f, c);
	/* A cached statement, sent on the dead connection, runs again once reconnected. */
	assert_int_equal(insert_item(c, "after", 2), DB_DONE);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items WHERE name = 'after'"), 1);
	db_release(f->db, c);
}

static void test_pg_reconnect_in_transaction(void **state)
{
	fixture *f = fixture_of(state);
	db_conn *c = acquire(f);
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(insert_item(c, "lost", 1), DB_DONE);
	pg_kill_from_outside(f, c);
	/* The transaction is gone: nothing runs, in autocommit least of all, until rollback. */
	assert_int_equal(insert_item(c, "orphan", 2), DB_ERROR);
	assert_null(strstr(db_errmsg(c), "roll back")); /* the server's own message */
	assert_int_equal(insert_item(c, "orphan", 2), DB_ERROR);
	assert_non_null(strstr(db_errmsg(c), "roll back"));
	assert_int_equal(db_rollback(c), 0);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), 0);
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(insert_item(c, "fresh", 3), DB_DONE);
	assert_int_equal(db_commit(c), 0);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM items"), 1);
	db_release(f->db, c);
}

#define DB_TEST(fn, backend) cmocka_unit_test_prestate_setup_teardown(fn, fixture_setup, fixture_teardown, backend)
#define DB_TESTS(backend)                                                                          \
	DB_TEST(test_migrate, backend), DB_TEST(test_migrate_dialect_blocks, backend),             \
		DB_TEST(test_values, backend),                                                     \
		DB_TEST(test_returning_and_changes, backend), DB_TEST(test_conflict, backend),     \
		DB_TEST(test_statement_cache, backend), DB_TEST(test_transactions, backend),       \
		DB_TEST(test_question_mark_in_literals, backend), DB_TEST(test_pool_threads, backend), \
		DB_TEST(test_open_errors, backend)

int main(void)
{
	pg_backend.url = getenv("TRYGG_TEST_PG_URL");
	if (pg_backend.url != NULL && pg_backend.url[0] == '\0')
		pg_backend.url = NULL;
	const struct CMUnitTest sqlite_tests[] = { DB_TESTS(&sqlite_backend) };
	const struct CMUnitTest pg_tests[] = {
		DB_TESTS(&pg_backend),
		DB_TEST(test_pg_reconnect_same_connection, &pg_backend),
		DB_TEST(test_pg_reconnect_idle, &pg_backend),
		DB_TEST(test_pg_reconnect_in_transaction, &pg_backend),
	};
	int failed = cmocka_run_group_tests_name("db on SQLite", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("db on PostgreSQL", pg_tests, NULL, NULL);
	return failed != 0;
}
