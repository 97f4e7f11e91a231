/*
 * db.c — the connection pool and the dispatch to the backend chosen by the
 * database URL (see db.h). The pool hands out at most pool_size connections
 * and opens them lazily; a thread that finds none free waits. On a database
 * with one writer at a time (SQLite) it also queues the pool's write
 * transactions on a mutex, so that they wait their turn without polling.
 *
 * Group commit (backends with sync_log, i.e. SQLite): a write transaction
 * commits without waiting for the disk (write_fast), gives the write turn to
 * the next writer, and then waits in db_commit() until the log holding its
 * COMMIT is on disk. One waiting thread at a time syncs the log, for every
 * COMMIT that has returned by then; the others wait for it, and the next
 * sync covers those that came later. So db_commit() still returns only once
 * the transaction survives a crash or power loss, exactly as with
 * synchronous=FULL, but concurrent requests share one fsync instead of
 * queueing for one each, and no transaction shares another's fate: each is
 * its own BEGIN … COMMIT.
 */
#include "db/db_backend.h"
#include "core/util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
	const struct db_backend *be;
	char *url;          /* owned */
	int pool_size;
	int open_count;     /* connections opened so far */
	db_conn *free_list; /* idle connections */
	pthread_mutex_t lock;
	pthread_cond_t available;
	pthread_mutex_t write_turn; /* held from db_begin_write() to commit or rollback (one_writer) */
	/* Group commit: write transactions committed and, of these, the first
	 * how many are known to be on disk; whether a thread is syncing now. */
	pthread_mutex_t sync_lock;
	pthread_cond_t synced;
	uint64_t committed, durable;
	bool syncing;
};

void db_set_error(db_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

db *db_open(const char *url, int pool_size, char **err)
{
	const struct db_backend *be;
	*err = NULL;
	if (str_starts_with(url, "sqlite:"))
		be = &db_sqlite_backend;
	else if (str_starts_with(url, "postgresql://") || str_starts_with(url, "postgres://"))
		be = &db_pg_backend;
	else {
		*err = xstrdup("database URL must start with sqlite: or postgresql://");
		return NULL;
	}
	db *d = xcalloc(1, sizeof(*d));
	d->be = be;
	d->url = xstrdup(url);
	d->pool_size = pool_size > 0 ? pool_size : 1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->available, NULL);
	pthread_mutex_init(&d->write_turn, NULL);
	pthread_mutex_init(&d->sync_lock, NULL);
	pthread_cond_init(&d->synced, NULL);
	/* Open one connection now so that a wrong URL is reported at once. */
	db_conn *c = be->connect(url, err);
	if (c == NULL) {
		db_close(d);
		return NULL;
	}
	c->be = be;
	c->pool = d;
	d->open_count = 1;
	d->free_list = c;
	return d;
}

/* Frees every cached statement of c, then closes it. */
static void db_disconnect(db *d, db_conn *c)
{
	for (int i = 0; i < DB_CACHE_BUCKETS; i++) {
		db_stmt *s = c->cache[i];
		while (s) {
			db_stmt *next = s->next_cached;
			char *key = s->cache_key;
			d->be->stmt_free(s);
			free(key);
			s = next;
		}
		c->cache[i] = NULL;
	}
	d->be->disconnect(c);
}

void db_close(db *d)
{
	if (d == NULL)
		return;
	db_conn *c = d->free_list;
	while (c) {
		db_conn *next = c->next_free;
		db_disconnect(d, c);
		c = next;
	}
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->available);
	pthread_mutex_destroy(&d->write_turn);
	pthread_mutex_destroy(&d->sync_lock);
	pthread_cond_destroy(&d->synced);
	free(d->url);
	free(d);
}

db_kind db_get_kind(const db *d)
{
	return d->be->kind;
}

db_conn *db_acquire(db *d)
{
	db_conn *c = NULL;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		if (d->free_list) {
			c = d->free_list;
			d->free_list = c->next_free;
			c->next_free = NULL;
			break;
		}
		if (d->open_count < d->pool_size) {
			d->open_count++;
			break;
		}
		pthread_cond_wait(&d->available, &d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	if (c == NULL) {
		char *err = NULL;
		c = d->be->connect(d->url, &err);
		if (c == NULL) {
			fprintf(stderr, "trygg: database: %s\n", err ? err : "cannot connect");
			free(err);
			pthread_mutex_lock(&d->lock);
			d->open_count--;
			pthread_cond_signal(&d->available);
			pthread_mutex_unlock(&d->lock);
			return NULL;
		}
		c->be = d->be;
		c->pool = d;
	}
	return c;
}

void db_release(db *d, db_conn *c)
{
	if (c == NULL)
		return;
	if (c->in_transaction)
		db_rollback(c);
	for (int i = 0; i < DB_CACHE_BUCKETS; i++)
		for (db_stmt *s = c->cache[i]; s; s = s->next_cached)
			d->be->stmt_reset(s);
	d->be->release(c);
	pthread_mutex_lock(&d->lock);
	c->next_free = d->free_list;
	d->free_list = c;
	pthread_cond_signal(&d->available);
	pthread_mutex_unlock(&d->lock);
}

static int db_transaction_sql(db_conn *c, const char *sql, bool in_after)
{
	if (c->be->exec(c, sql) != 0)
		return -1;
	c->in_transaction = in_after;
	return 0;
}

int db_begin_read(db_conn *c)
{
	return db_transaction_sql(c, c->be->begin_read_sql, true);
}

/* Gives back the pool's write turn when c holds it. */
static void write_turn_end(db_conn *c)
{
	if (c->holds_write_turn) {
		c->holds_write_turn = false;
		pthread_mutex_unlock(&c->pool->write_turn);
	}
}

/* Ends the fast commit mode of a group-commit transaction (after COMMIT or
 * ROLLBACK). Returns 0 or -1. */
static int group_end(db_conn *c)
{
	if (!c->group_commit)
		return 0;
	c->group_commit = false;
	return c->be->write_safe(c);
}

int db_begin_write(db_conn *c)
{
	/* A second BEGIN on the same connection is the database's error to report, not a deadlock. */
	if (c->in_transaction)
		return db_transaction_sql(c, c->be->begin_write_sql, true);
	if (c->be->sync_log && c->pool) {
		if (c->be->write_fast(c) != 0)
			return -1;
		c->group_commit = true;
	}
	if (c->be->one_writer && c->pool && !c->holds_write_turn) {
		pthread_mutex_lock(&c->pool->write_turn);
		c->holds_write_turn = true;
	}
	if (db_transaction_sql(c, c->be->begin_write_sql, true) != 0) {
		write_turn_end(c);
		group_end(c);
		return -1;
	}
	return 0;
}

/* Waits until the COMMIT numbered mine is on disk, syncing the log itself
 * when no other thread is doing so. Returns 0, or -1 when the sync failed. */
static int group_sync(db_conn *c, uint64_t mine)
{
	db *d = c->pool;
	int rc = 0;
	pthread_mutex_lock(&d->sync_lock);
	while (d->durable < mine) {
		if (d->syncing) {
			pthread_cond_wait(&d->synced, &d->sync_lock);
			continue;
		}
		d->syncing = true;
		uint64_t upto = d->committed; /* every one of these has returned from COMMIT */
		pthread_mutex_unlock(&d->sync_lock);
		int synced = c->be->sync_log(c);
		pthread_mutex_lock(&d->sync_lock);
		d->syncing = false;
		if (synced == 0 && upto > d->durable)
			d->durable = upto;
		pthread_cond_broadcast(&d->synced);
		if (synced != 0) {
			rc = -1; /* the waiting threads try again themselves */
			break;
		}
	}
	pthread_mutex_unlock(&d->sync_lock);
	return rc;
}

int db_commit(db_conn *c)
{
	if (db_transaction_sql(c, "COMMIT", false) != 0) {
		db_rollback(c);
		return -1;
	}
	if (!c->group_commit) {
		write_turn_end(c);
		return 0;
	}
	db *d = c->pool;
	pthread_mutex_lock(&d->sync_lock);
	uint64_t mine = ++d->committed;
	pthread_mutex_unlock(&d->sync_lock);
	write_turn_end(c);
	int rc = group_sync(c, mine);
	if (group_end(c) != 0)
		rc = -1;
	return rc;
}

int db_rollback(db_conn *c)
{
	/* Keep the error that made the caller roll back. */
	char saved[sizeof(c->errmsg)];
	memcpy(saved, c->errmsg, sizeof(saved));
	int rc = c->be->exec(c, "ROLLBACK");
	c->in_transaction = false;
	write_turn_end(c);
	if (group_end(c) != 0)
		rc = -1;
	memcpy(c->errmsg, saved, sizeof(saved));
	return rc;
}

static unsigned db_hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % DB_CACHE_BUCKETS;
}

db_stmt *db_prepare(db_conn *c, const char *sql)
{
	unsigned h = db_hash(sql);
	for (db_stmt *s = c->cache[h]; s; s = s->next_cached) {
		if (strcmp(s->cache_key, sql) == 0) {
			c->be->stmt_reset(s);
			return s;
		}
	}
	db_stmt *s = c->be->stmt_new(c, sql);
	if (s == NULL)
		return NULL;
	s->conn = c;
	s->cache_key = xstrdup(sql);
	s->sql = s->cache_key;
	s->next_cached = c->cache[h];
	c->cache[h] = s;
	return s;
}

void db_bind_text(db_stmt *s, int idx, const char *text)
{
	if (text == NULL)
		s->conn->be->bind_null(s, idx);
	else
		s->conn->be->bind_text(s, idx, text);
}

void db_bind_int(db_stmt *s, int idx, int64_t v) { s->conn->be->bind_int(s, idx, v); }
void db_bind_double(db_stmt *s, int idx, double v) { s->conn->be->bind_double(s, idx, v); }
void db_bind_blob(db_stmt *s, int idx, const void *data, size_t len) { s->conn->be->bind_blob(s, idx, data, len); }
void db_bind_null(db_stmt *s, int idx) { s->conn->be->bind_null(s, idx); }
int db_step(db_stmt *s) { return s->conn->be->step(s); }
bool db_column_is_null(db_stmt *s, int col) { return s->conn->be->column_is_null(s, col); }
const char *db_column_text(db_stmt *s, int col) { return s->conn->be->column_text(s, col); }
int64_t db_column_int(db_stmt *s, int col) { return s->conn->be->column_int(s, col); }
double db_column_double(db_stmt *s, int col) { return s->conn->be->column_double(s, col); }
const void *db_column_blob(db_stmt *s, int col, size_t *len) { return s->conn->be->column_blob(s, col, len); }
int64_t db_changes(db_stmt *s) { return s->conn->be->changes(s); }
int db_exec_script(db_conn *c, const char *sql) { return c->be->exec(c, sql); }
const char *db_errmsg(db_conn *c) { return c->errmsg; }
bool db_error_is_conflict(db_conn *c) { return c->conflict; }

bool db_ping(db_conn *c)
{
	db_stmt *s = db_prepare(c, "SELECT 1");
	return s != NULL && db_step(s) == DB_ROW && db_column_int(s, 0) == 1;
}
