/*
 * db.c — the connection pool and the dispatch to the backend chosen by the
 * database URL (see db.h). The pool hands out at most pool_size connections
 * and opens them lazily; a thread that finds none free waits. On a database
 * with one writer at a time (SQLite) it also queues the pool's write
 * transactions on a mutex, so that they wait their turn without polling.
 *
 * On such a database the pool also keeps one writer connection, and every
 * write transaction runs on it: from db_begin_write() to db_commit() or
 * db_rollback(), db_prepare(), db_exec_script() and db_errmsg() on the
 * caller's connection go to the writer, which the write turn hands from
 * thread to thread. Its page cache therefore stays warm: SQLite empties a
 * connection's cache whenever another connection has written, so with every
 * pooled connection writing in turn each write would start by reading its
 * B-tree pages again. A statement of the writer used by a thread that does
 * not hold the turn fails (db_step) instead of racing. When the caller's
 * connection still has a statement open (a read snapshot), its write
 * transaction runs on that connection instead, so that what it reads next
 * includes what it wrote.
 *
 * Group commit (backends with sync_log, i.e. SQLite): the writer commits
 * without waiting for the disk (writer_setup), gives the write turn to the
 * next writer, and db_commit() then waits until the log holding its COMMIT
 * is on disk. One waiting thread at a time syncs the log, for every COMMIT
 * that has returned by then; the others wait for it, and the next sync
 * covers those that came later. So db_commit() still returns only once the
 * transaction survives a crash or power loss, exactly as with
 * synchronous=FULL, but concurrent requests share one fsync instead of
 * queueing for one each, and no transaction shares another's fate: each is
 * its own BEGIN … COMMIT.
 */
#include "db/db_backend.h"
#include "core/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
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
	db_conn *writer;            /* one_writer: the connection of every write transaction (owned;
				     * opened on first use; used only by the holder of write_turn) */
	/* Group commit: write transactions committed and, of these, the first
	 * how many are known to be on disk; whether a thread is syncing now. */
	pthread_mutex_t sync_lock;
	pthread_cond_t synced;
	uint64_t committed, durable;
	bool syncing;
	/* Write transactions open on the writer now (0 or 1: the turn), and
	 * whether the syncing thread waits for the open one's COMMIT (see
	 * group_sync), signalled on commit_seen (CLOCK_MONOTONIC). */
	int writing;
	bool leader_waits;
	pthread_cond_t commit_seen;
};

/* How long the thread about to sync waits for a write transaction that is
 * open at that moment to commit too, so that one sync covers both (the
 * commit_delay of PostgreSQL). A transaction holds the turn for a fraction
 * of a millisecond; one that takes longer is not waited for. */
#define GROUP_WAIT_NS 1000000L

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
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&d->commit_seen, &monotonic);
	pthread_condattr_destroy(&monotonic);
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
	if (d->writer)
		db_disconnect(d, d->writer);
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
	pthread_cond_destroy(&d->commit_seen);
	free(d->url);
	free(d);
}

void db_set_memory_limit(db *d, int64_t bytes)
{
	if (d->be->memory_limit)
		d->be->memory_limit(bytes);
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

/* The connection c's statements run on: the writer during c's write transaction. */
static db_conn *target(db_conn *c)
{
	return c->write_via ? c->write_via : c;
}

/* The pool's writer connection, opened on first use; the caller holds the
 * write turn. NULL (with c's error set) when it cannot be opened. */
static db_conn *writer_of(db_conn *c)
{
	db *d = c->pool;
	if (d->writer != NULL)
		return d->writer;
	char *err = NULL;
	db_conn *w = d->be->connect(d->url, &err);
	if (w == NULL) {
		db_set_error(c, "%s", err ? err : "cannot connect");
		free(err);
		return NULL;
	}
	w->be = d->be;
	w->pool = d;
	w->is_writer = true;
	if (d->be->writer_setup && d->be->writer_setup(w) != 0) {
		db_set_error(c, "%s", w->errmsg);
		db_disconnect(d, w);
		return NULL;
	}
	d->writer = w;
	return w;
}

/* Ends c's write transaction on the writer (after COMMIT or ROLLBACK): no
 * statement of it stays open, its last error becomes c's, and the write
 * turn goes to the next thread. */
static void write_turn_end(db_conn *c)
{
	db_conn *w = c->write_via;
	if (w != NULL) {
		db *d = c->pool;
		pthread_mutex_lock(&d->sync_lock);
		d->writing--;
		if (d->leader_waits)
			pthread_cond_signal(&d->commit_seen);
		pthread_mutex_unlock(&d->sync_lock);
		for (int i = 0; i < DB_CACHE_BUCKETS; i++)
			for (db_stmt *s = w->cache[i]; s; s = s->next_cached)
				w->be->stmt_reset(s);
		memcpy(c->errmsg, w->errmsg, sizeof(c->errmsg));
		c->conflict = w->conflict;
		atomic_store(&w->owner, (uintptr_t)0);
		c->write_via = NULL;
	}
	if (c->holds_write_turn) {
		c->holds_write_turn = false;
		pthread_mutex_unlock(&c->pool->write_turn);
	}
}

int db_begin_write(db_conn *c)
{
	/* A second BEGIN on the same connection is the database's error to report, not a deadlock. */
	if (c->in_transaction)
		return db_transaction_sql(target(c), c->be->begin_write_sql, true);
	if (c->be->one_writer && c->pool) {
		pthread_mutex_lock(&c->pool->write_turn);
		c->holds_write_turn = true;
		/* A statement of c still open holds a snapshot taken before this
		 * write: c's reads after it would not see it. Such a transaction
		 * runs on c itself (synchronous=FULL), as reads and writes on one
		 * connection always see each other. */
		if (!c->be->reading(c)) {
			db_conn *w = writer_of(c);
			if (w == NULL) {
				write_turn_end(c);
				return -1;
			}
			atomic_store(&w->owner, (uintptr_t)pthread_self());
			c->write_via = w;
			pthread_mutex_lock(&c->pool->sync_lock);
			c->pool->writing++;
			pthread_mutex_unlock(&c->pool->sync_lock);
		}
	}
	if (db_transaction_sql(target(c), c->be->begin_write_sql, true) != 0) {
		write_turn_end(c);
		return -1;
	}
	c->in_transaction = true;
	return 0;
}

/* Waits until the COMMIT numbered mine is on disk, syncing the log itself
 * (through c, which may be any connection to the file) when no other thread
 * is doing so. Returns 0, or -1 when the sync failed. */
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
		if (d->writing > 0) {
			/* Another transaction is open: let it commit and share this sync. */
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += GROUP_WAIT_NS;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			d->leader_waits = true;
			while (d->writing > 0 && pthread_cond_timedwait(&d->commit_seen, &d->sync_lock, &until) == 0)
				;
			d->leader_waits = false;
		}
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
	db_conn *t = target(c);
	if (db_transaction_sql(t, "COMMIT", false) != 0) {
		db_rollback(c);
		return -1;
	}
	c->in_transaction = false;
	if (!t->is_writer || t->be->sync_log == NULL) {
		write_turn_end(c);
		return 0;
	}
	db *d = c->pool;
	pthread_mutex_lock(&d->sync_lock);
	uint64_t mine = ++d->committed;
	pthread_mutex_unlock(&d->sync_lock);
	write_turn_end(c);
	return group_sync(c, mine);
}

int db_rollback(db_conn *c)
{
	/* Keep the error that made the caller roll back. */
	db_conn *t = target(c);
	char saved[sizeof(t->errmsg)];
	memcpy(saved, t->errmsg, sizeof(saved));
	bool conflict = t->conflict;
	int rc = t->be->exec(t, "ROLLBACK");
	t->in_transaction = false;
	c->in_transaction = false;
	memcpy(t->errmsg, saved, sizeof(saved));
	t->conflict = conflict;
	write_turn_end(c);
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
	c = target(c);
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
int db_step(db_stmt *s)
{
	db_conn *c = s->conn;
	if (c->is_writer && atomic_load(&c->owner) != (uintptr_t)pthread_self()) {
		/* Prepared in a write transaction that has ended: another thread may own the writer now. */
		fprintf(stderr, "trygg: database: a statement of an ended write transaction was used: %s\n", s->sql);
		return DB_ERROR;
	}
	return c->be->step(s);
}
bool db_column_is_null(db_stmt *s, int col) { return s->conn->be->column_is_null(s, col); }
const char *db_column_text(db_stmt *s, int col) { return s->conn->be->column_text(s, col); }
int64_t db_column_int(db_stmt *s, int col) { return s->conn->be->column_int(s, col); }
double db_column_double(db_stmt *s, int col) { return s->conn->be->column_double(s, col); }
const void *db_column_blob(db_stmt *s, int col, size_t *len) { return s->conn->be->column_blob(s, col, len); }
int64_t db_changes(db_stmt *s) { return s->conn->be->changes(s); }
int db_exec_script(db_conn *c, const char *sql) { return c->be->exec(target(c), sql); }
const char *db_errmsg(db_conn *c) { return target(c)->errmsg; }
bool db_error_is_conflict(db_conn *c) { return target(c)->conflict; }

bool db_ping(db_conn *c)
{
	db_stmt *s = db_prepare(c, "SELECT 1");
	return s != NULL && db_step(s) == DB_ROW && db_column_int(s, 0) == 1;
}
