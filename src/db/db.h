/*
 * db.h — the one storage interface of Trygg, with two real backends:
 * SQLite (embedded default, db_sqlite.c) and PostgreSQL via libpq (db_pg.c).
 *
 * SQL is written once, with '?' placeholders; the PostgreSQL backend rewrites
 * them to $1, $2, … SQL text that differs between the two (column types in
 * migrations) uses the tokens listed in migrate.c. Values are bound, never
 * pasted into SQL. Times are stored as INTEGER seconds since the epoch, UTC.
 *
 * A db is a pool of connections, one for each worker thread: a request takes
 * one with db_acquire() and gives it back with db_release(). Statements are
 * prepared once per connection and cached by their SQL text, so callers keep
 * their SQL in static tables and simply call db_prepare() each time.
 *
 * What this module does not do: build SQL from pieces, or run anything that
 * is not bound.
 */
#ifndef TRYGG_DB_DB_H
#define TRYGG_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

typedef enum db_kind { DB_SQLITE, DB_POSTGRES } db_kind;

enum db_step_result { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

/* Opens a pool of up to pool_size connections to url ("sqlite:PATH" or
 * "postgresql://…"/"postgres://…"). Returns NULL and sets *err (a static
 * or caller-freed message, see below) on failure. *err, when set, is
 * allocated and the caller frees it. */
db *db_open(const char *url, int pool_size, char **err);
/* SQLite: the memory SQLite may use in this process, all connections
 * together, before it reuses its cached pages instead of growing
 * (sqlite3_soft_heap_limit64; SQLite is one per process, so the last call
 * counts). Without it each connection may cache 2 MB, and a server has
 * threads + 3 of them. PostgreSQL: nothing (the server keeps the cache). */
void db_set_memory_limit(db *d, int64_t bytes);
/* Closes every connection and frees the pool. NULL is allowed. */
void db_close(db *d);
db_kind db_get_kind(const db *d);

/* Takes a connection from the pool, waiting while all are in use.
 * Returns NULL only when the database cannot be reached. */
db_conn *db_acquire(db *d);
/* Gives the connection back; any open transaction is rolled back first. */
void db_release(db *d, db_conn *c);

/* Transactions. db_begin_write() takes the write lock at once (SQLite:
 * BEGIN IMMEDIATE) and must open every transaction that writes.
 * Each returns 0 on success, -1 on error. */
int db_begin_read(db_conn *c);
int db_begin_write(db_conn *c);
int db_commit(db_conn *c);
int db_rollback(db_conn *c);

/* Returns the cached prepared statement for sql (placeholders '?'), reset
 * and with no values bound, or NULL on error (see db_errmsg()). Owned by
 * the connection; valid until db_release(). */
db_stmt *db_prepare(db_conn *c, const char *sql);

/* Binding, 1-based like SQLite. Text is copied. */
void db_bind_text(db_stmt *s, int idx, const char *text);
void db_bind_int(db_stmt *s, int idx, int64_t v);
void db_bind_double(db_stmt *s, int idx, double v);
void db_bind_blob(db_stmt *s, int idx, const void *data, size_t len);
void db_bind_null(db_stmt *s, int idx);

/* Runs the statement or moves to the next row: DB_ROW, DB_DONE or DB_ERROR. */
int db_step(db_stmt *s);

/* Column values of the current row, 0-based. Text and blobs stay valid until
 * the next db_step() or db_prepare() of the same statement. NULL text is
 * returned as NULL. */
bool db_column_is_null(db_stmt *s, int col);
const char *db_column_text(db_stmt *s, int col);
int64_t db_column_int(db_stmt *s, int col);
double db_column_double(db_stmt *s, int col);
const void *db_column_blob(db_stmt *s, int col, size_t *len);

/* Number of rows changed by the last INSERT/UPDATE/DELETE run on s. */
int64_t db_changes(db_stmt *s);

/* Runs sql (no parameters, may hold several statements; used by migrations). */
int db_exec_script(db_conn *c, const char *sql);

/* The last error on this connection, in English, for logs. Never NULL. */
const char *db_errmsg(db_conn *c);
/* True when the last error was a unique/primary-key constraint violation. */
bool db_error_is_conflict(db_conn *c);

/* Answers true when the database answers a trivial query (/healthz). */
bool db_ping(db_conn *c);

/* Applies every migration in dir not yet applied, each in its own
 * transaction, holding a lock so that concurrent processes do not race.
 * Returns 0 on success, -1 on error with *err set (caller frees). */
int db_migrate(db *d, const char *dir, char **err);

#endif
