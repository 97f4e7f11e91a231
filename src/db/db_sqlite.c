/*
 * db_sqlite.c — the SQLite backend (see db.h, db_backend.h).
 *
 * Every connection runs in WAL mode with synchronous=FULL, so a write that
 * was committed survives a crash or power loss; a busy timeout makes writers
 * wait for each other instead of failing; foreign keys are enforced.
 * Statements are cached per connection by db.c.
 *
 * A pool's write transactions run on its writer connection (db.c), which
 * has synchronous=NORMAL: in WAL mode its COMMIT appends to the log without
 * waiting for the disk, and db_commit() returns only after
 * sqlite_sync_log() has synced the log — SQLite's own xSync on the WAL file,
 * the call synchronous=FULL makes at each COMMIT. A checkpoint that restarts
 * the log syncs the database file first (NORMAL does that too), so nothing
 * committed is lost in between. Every other connection keeps
 * synchronous=FULL.
 */
#include "db/db_backend.h"
#include "core/util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQLITE_BUSY_TIMEOUT_MS 10000

typedef struct sqlite_stmt {
	struct db_stmt base;
	sqlite3_stmt *stmt;
	int64_t changes;
} sqlite_stmt;

typedef struct sqlite_conn {
	struct db_conn base;
	sqlite3 *handle;
} sqlite_conn;

static void sqlite_note_error(sqlite_conn *c)
{
	int code = sqlite3_extended_errcode(c->handle);
	c->base.conflict = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
	db_set_error(&c->base, "sqlite: %s", sqlite3_errmsg(c->handle));
}

static db_conn *sqlite_connect(const char *url, char **err)
{
	const char *path = url + strlen("sqlite:");
	sqlite_conn *c = xcalloc(1, sizeof(*c));
	int rc = sqlite3_open_v2(path, &c->handle,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		size_t n = strlen(path) + 128;
		*err = xmalloc(n);
		snprintf(*err, n, "cannot open SQLite database %s: %s", path,
			 c->handle ? sqlite3_errmsg(c->handle) : sqlite3_errstr(rc));
		sqlite3_close(c->handle);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->handle, SQLITE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c->handle, 1);
	char *msg = NULL;
	if (sqlite3_exec(c->handle,
			 "PRAGMA journal_mode=WAL;"
			 "PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON;"
			 /* Deleted rows are overwritten, not left in free pages (erasure of personal data). */
			 "PRAGMA secure_delete=ON;"
			 "PRAGMA temp_store=MEMORY;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		size_t n = strlen(path) + 128 + (msg ? strlen(msg) : 0);
		*err = xmalloc(n);
		snprintf(*err, n, "cannot set up SQLite database %s: %s", path, msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(c->handle);
		free(c);
		return NULL;
	}
	return &c->base;
}

static void sqlite_disconnect(db_conn *base)
{
	sqlite_conn *c = (sqlite_conn *)base;
	sqlite3_close(c->handle);
	free(c);
}

static void sqlite_release(db_conn *base)
{
	(void)base; /* db.c has reset every statement */
}

static db_stmt *sqlite_stmt_new(db_conn *base, const char *sql)
{
	sqlite_conn *c = (sqlite_conn *)base;
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v3(c->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
		sqlite_note_error(c);
		return NULL;
	}
	sqlite_stmt *s = xcalloc(1, sizeof(*s));
	s->stmt = stmt;
	return &s->base;
}

static void sqlite_stmt_reset(db_stmt *base)
{
	sqlite_stmt *s = (sqlite_stmt *)base;
	sqlite3_reset(s->stmt);
	sqlite3_clear_bindings(s->stmt);
	s->changes = 0;
}

static void sqlite_stmt_free(db_stmt *base)
{
	sqlite_stmt *s = (sqlite_stmt *)base;
	sqlite3_finalize(s->stmt);
	free(s);
}

#define STMT(s) (((sqlite_stmt *)(s))->stmt)

static void sqlite_bind_text(db_stmt *s, int idx, const char *text)
{
	sqlite3_bind_text(STMT(s), idx, text, -1, SQLITE_TRANSIENT);
}

static void sqlite_bind_int(db_stmt *s, int idx, int64_t v)
{
	sqlite3_bind_int64(STMT(s), idx, v);
}

static void sqlite_bind_double(db_stmt *s, int idx, double v)
{
	sqlite3_bind_double(STMT(s), idx, v);
}

static void sqlite_bind_blob(db_stmt *s, int idx, const void *data, size_t len)
{
	sqlite3_bind_blob64(STMT(s), idx, data ? data : "", len, SQLITE_TRANSIENT);
}

static void sqlite_bind_null(db_stmt *s, int idx)
{
	sqlite3_bind_null(STMT(s), idx);
}

static int sqlite_step(db_stmt *base)
{
	sqlite_stmt *s = (sqlite_stmt *)base;
	sqlite_conn *c = (sqlite_conn *)base->conn;
	int rc = sqlite3_step(s->stmt);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE) {
		s->changes = sqlite3_changes64(c->handle);
		sqlite3_reset(s->stmt);
		return DB_DONE;
	}
	sqlite_note_error(c);
	sqlite3_reset(s->stmt);
	return DB_ERROR;
}

static bool sqlite_column_is_null(db_stmt *s, int col)
{
	return sqlite3_column_type(STMT(s), col) == SQLITE_NULL;
}

static const char *sqlite_column_text(db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(STMT(s), col);
}

static int64_t sqlite_column_int(db_stmt *s, int col)
{
	return sqlite3_column_int64(STMT(s), col);
}

static double sqlite_column_double(db_stmt *s, int col)
{
	return sqlite3_column_double(STMT(s), col);
}

static const void *sqlite_column_blob(db_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(STMT(s), col);
	*len = (size_t)sqlite3_column_bytes(STMT(s), col);
	return p;
}

static int64_t sqlite_changes(db_stmt *s)
{
	return ((sqlite_stmt *)s)->changes;
}

static int sqlite_exec(db_conn *base, const char *sql)
{
	sqlite_conn *c = (sqlite_conn *)base;
	char *msg = NULL;
	if (sqlite3_exec(c->handle, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_extended_errcode(c->handle);
		c->base.conflict = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
		db_set_error(base, "sqlite: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The pool's writer: its COMMITs append to the log without waiting for the
 * disk; db_commit() waits for sqlite_sync_log() instead. */
static int sqlite_writer_setup(db_conn *base)
{
	return sqlite_exec(base, "PRAGMA synchronous=NORMAL");
}

/* Syncs the connection's write-ahead log with SQLite's own VFS call, so that
 * the sync is the one SQLite makes itself (fdatasync, and the directory the
 * first time for a new log file). */
static int sqlite_sync_log(db_conn *base)
{
	sqlite_conn *c = (sqlite_conn *)base;
	sqlite3_file *wal = NULL;
	if (sqlite3_file_control(c->handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
	    wal == NULL || wal->pMethods == NULL) {
		/* A connection opens the log with its first read. */
		if (sqlite_exec(base, "PRAGMA schema_version") != 0)
			return -1;
		if (sqlite3_file_control(c->handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
		    wal == NULL || wal->pMethods == NULL) {
			db_set_error(base, "sqlite: the write-ahead log is not open");
			return -1;
		}
	}
	int rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK) {
		db_set_error(base, "sqlite: cannot sync the write-ahead log: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static bool sqlite_reading(db_conn *base)
{
	sqlite_conn *c = (sqlite_conn *)base;
	return sqlite3_txn_state(c->handle, NULL) != SQLITE_TXN_NONE;
}

static void sqlite_memory_limit(int64_t bytes)
{
	sqlite3_soft_heap_limit64(bytes);
}

/* SQLite serialises writers itself: BEGIN IMMEDIATE in db_migrate is the lock. */
static int sqlite_lock_migrations(db_conn *c)
{
	(void)c;
	return 0;
}

static int sqlite_unlock_migrations(db_conn *c)
{
	(void)c;
	return 0;
}

const struct db_backend db_sqlite_backend = {
	.connect = sqlite_connect,
	.disconnect = sqlite_disconnect,
	.release = sqlite_release,
	.stmt_new = sqlite_stmt_new,
	.stmt_reset = sqlite_stmt_reset,
	.stmt_free = sqlite_stmt_free,
	.bind_text = sqlite_bind_text,
	.bind_int = sqlite_bind_int,
	.bind_double = sqlite_bind_double,
	.bind_blob = sqlite_bind_blob,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.column_is_null = sqlite_column_is_null,
	.column_text = sqlite_column_text,
	.column_int = sqlite_column_int,
	.column_double = sqlite_column_double,
	.column_blob = sqlite_column_blob,
	.changes = sqlite_changes,
	.exec = sqlite_exec,
	.begin_read_sql = "BEGIN",
	.begin_write_sql = "BEGIN IMMEDIATE",
	.one_writer = true,
	.writer_setup = sqlite_writer_setup,
	.reading = sqlite_reading,
	.memory_limit = sqlite_memory_limit,
	.sync_log = sqlite_sync_log,
	.lock_migrations = sqlite_lock_migrations,
	.unlock_migrations = sqlite_unlock_migrations,
	.type_id = "INTEGER PRIMARY KEY AUTOINCREMENT",
	.type_blob = "BLOB",
	.type_real = "REAL",
	.kind = DB_SQLITE,
};
