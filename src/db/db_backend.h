/*
 * db_backend.h — what a storage backend implements for db.c. Private to src/db/.
 * Each backend keeps its own connection struct that starts with struct db_conn
 * and its own statement struct that starts with struct db_stmt.
 */
#ifndef TRYGG_DB_BACKEND_H
#define TRYGG_DB_BACKEND_H

#include "db/db.h"

struct db_backend;

#define DB_CACHE_BUCKETS 128

struct db_conn {
	const struct db_backend *be;
	struct db *pool;           /* the pool this connection belongs to (not owned) */
	struct db_conn *next_free; /* pool free list, owned by db.c */
	bool in_transaction;
	bool holds_write_turn;     /* holds pool->write_turn (one_writer backends) */
	struct db_conn *write_via; /* one_writer: the pool's writer while this connection's write
				    * transaction runs (not owned), else NULL */
	bool is_writer;            /* this is a pool's writer connection */
	_Atomic uintptr_t owner;   /* writer: the thread holding the write turn (pthread_t), or 0 */
	bool conflict;             /* last error was a uniqueness violation */
	char errmsg[512];
	/* Prepared statements by SQL text, owned by db.c (db_prepare). */
	struct db_stmt *cache[DB_CACHE_BUCKETS];
};

struct db_stmt {
	db_conn *conn;               /* the connection that owns this statement */
	const char *sql;             /* the SQL as the caller wrote it (the cache key) */
	char *cache_key;             /* owned by db.c */
	struct db_stmt *next_cached; /* owned by db.c */
};

struct db_backend {
	/* Opens one connection. Returns NULL with an allocated *err on failure. */
	db_conn *(*connect)(const char *url, char **err);
	void (*disconnect)(db_conn *c);
	/* Called when the connection goes back to the pool, after db.c has reset
	 * every statement (so no read snapshot or result outlives the request). */
	void (*release)(db_conn *c);
	/* Prepares a new statement for sql ('?' placeholders). NULL on error. db.c
	 * caches it and sets conn, sql, cache_key and next_cached. */
	db_stmt *(*stmt_new)(db_conn *c, const char *sql);
	/* Back to the state db_prepare() promises: no result, no values bound. */
	void (*stmt_reset)(db_stmt *s);
	/* Frees the statement (its cache_key is db.c's). */
	void (*stmt_free)(db_stmt *s);
	void (*bind_text)(db_stmt *s, int idx, const char *text);
	void (*bind_int)(db_stmt *s, int idx, int64_t v);
	void (*bind_double)(db_stmt *s, int idx, double v);
	void (*bind_blob)(db_stmt *s, int idx, const void *data, size_t len);
	void (*bind_null)(db_stmt *s, int idx);
	int (*step)(db_stmt *s);
	bool (*column_is_null)(db_stmt *s, int col);
	const char *(*column_text)(db_stmt *s, int col);
	int64_t (*column_int)(db_stmt *s, int col);
	double (*column_double)(db_stmt *s, int col);
	const void *(*column_blob)(db_stmt *s, int col, size_t *len);
	int64_t (*changes)(db_stmt *s);
	/* Runs unparameterised SQL (one or several statements). 0 or -1. */
	int (*exec)(db_conn *c, const char *sql);
	/* SQL that opens a reading transaction with one consistent snapshot. */
	const char *begin_read_sql;
	/* SQL that opens a writing transaction ("BEGIN IMMEDIATE" / "BEGIN"). */
	const char *begin_write_sql;
	/* The database lets one writer in at a time (SQLite): db.c then queues the
	 * pool's writers on a mutex, instead of letting all but one fail to get
	 * the lock and poll for it in sleeps of up to 100 ms (the busy timeout). */
	bool one_writer;
	/* Group commit (NULL: the database makes each commit durable itself).
	 * writer_setup() is called once on the pool's writer connection and makes
	 * its COMMITs return before the log is on disk; sync_log() puts every
	 * COMMIT that has returned on disk, through any connection c of the file
	 * (not the writer, which another thread may be using). 0 or -1. */
	int (*writer_setup)(db_conn *c);
	/* True when c has a read transaction open (a statement not yet done). */
	bool (*reading)(db_conn *c);
	/* See db_set_memory_limit(); NULL when the backend has nothing to limit. */
	void (*memory_limit)(int64_t bytes);
	int (*sync_log)(db_conn *c);
	/* Takes and gives back the lock that serialises migrations across processes. */
	int (*lock_migrations)(db_conn *c);
	int (*unlock_migrations)(db_conn *c);
	/* Dialect strings substituted for the tokens in migrations (see migrate.c). */
	const char *type_id;        /* {{id}}: auto-increment integer primary key */
	const char *type_blob;      /* {{blob}} */
	const char *type_real;      /* {{real}} */
	db_kind kind;
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

/* Sets c->errmsg from a printf format. */
void db_set_error(db_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
