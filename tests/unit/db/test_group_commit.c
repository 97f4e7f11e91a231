/*
 * test_group_commit.c — db.c's group commit on SQLite: db_commit() returns
 * only when the write-ahead log holding its COMMIT is on disk, whatever the
 * other threads do, and the connection keeps synchronous=FULL outside write
 * transactions.
 *
 * A VFS shim ("watch") sits over SQLite's default VFS and sees every write
 * to and every sync of a write-ahead log. Each thread remembers the number
 * of the last log write it made itself (its COMMIT, made in db_commit() on
 * the calling thread); a sync, when it starts, covers every log write made
 * before it. After db_commit() returns, the covered mark must have passed
 * the thread's own last write: that is the durability promise, checked for
 * every commit of every thread.
 *
 * Every write transaction runs on the pool's writer connection (synchronous
 * NORMAL, then one shared sync); the callers' own connections stay FULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 8
#define COMMITS_PER_THREAD 40

/* ---- the watching VFS ---- */

typedef struct watch_file {
	sqlite3_file base;
	sqlite3_file *real; /* the default VFS's file, allocated after this struct */
	int is_wal;
} watch_file;

static sqlite3_vfs *real_vfs;
static sqlite3_io_methods watch_io;
static atomic_long wal_writes;        /* log writes so far */
static atomic_long wal_synced;        /* log writes covered by the syncs that have finished */
static atomic_long wal_syncs;         /* syncs of the log */
static _Thread_local long last_write; /* this thread's last log write (its number) */

static int watch_close(sqlite3_file *f)
{
	watch_file *w = (watch_file *)f;
	int rc = w->real->pMethods->xClose(w->real);
	return rc;
}

static int watch_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xRead(w->real, p, n, off);
}

static int watch_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	watch_file *w = (watch_file *)f;
	int rc = w->real->pMethods->xWrite(w->real, p, n, off);
	if (w->is_wal && rc == SQLITE_OK)
		last_write = atomic_fetch_add(&wal_writes, 1) + 1;
	return rc;
}

static int watch_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xTruncate(w->real, size);
}

static int watch_sync(sqlite3_file *f, int flags)
{
	watch_file *w = (watch_file *)f;
	long covers = atomic_load(&wal_writes);
	int rc = w->real->pMethods->xSync(w->real, flags);
	if (w->is_wal && rc == SQLITE_OK) {
		atomic_fetch_add(&wal_syncs, 1);
		long seen = atomic_load(&wal_synced);
		while (seen < covers && !atomic_compare_exchange_weak(&wal_synced, &seen, covers))
			;
	}
	return rc;
}

static int watch_size(sqlite3_file *f, sqlite3_int64 *size)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xFileSize(w->real, size);
}

static int watch_lock(sqlite3_file *f, int level)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xLock(w->real, level);
}

static int watch_unlock(sqlite3_file *f, int level)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xUnlock(w->real, level);
}

static int watch_check_lock(sqlite3_file *f, int *out)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int watch_control(sqlite3_file *f, int op, void *arg)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xFileControl(w->real, op, arg);
}

static int watch_sector(sqlite3_file *f)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xSectorSize(w->real);
}

static int watch_caps(sqlite3_file *f)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xDeviceCharacteristics(w->real);
}

static int watch_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **p)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xShmMap(w->real, pg, pgsz, extend, p);
}

static int watch_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xShmLock(w->real, offset, n, flags);
}

static void watch_shm_barrier(sqlite3_file *f)
{
	watch_file *w = (watch_file *)f;
	w->real->pMethods->xShmBarrier(w->real);
}

static int watch_shm_unmap(sqlite3_file *f, int del)
{
	watch_file *w = (watch_file *)f;
	return w->real->pMethods->xShmUnmap(w->real, del);
}

static int watch_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	watch_file *w = (watch_file *)f;
	w->real = (sqlite3_file *)(w + 1);
	w->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
	int rc = real_vfs->xOpen(real_vfs, name, w->real, flags, out_flags);
	/* SQLite calls xClose only when pMethods is set, so leave it NULL on failure. */
	w->base.pMethods = rc == SQLITE_OK && w->real->pMethods ? &watch_io : NULL;
	return rc;
}

static int watch_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
	(void)v;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int watch_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int watch_full_name(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int watch_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int watch_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return real_vfs->xSleep(real_vfs, us);
}

static int watch_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int watch_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static sqlite3_vfs watch_vfs;

/* Makes the watching VFS SQLite's default, over the one that was. */
static void watch_install(void)
{
	if (real_vfs != NULL)
		return;
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	watch_io = (sqlite3_io_methods){
		.iVersion = 2,
		.xClose = watch_close,
		.xRead = watch_read,
		.xWrite = watch_write,
		.xTruncate = watch_truncate,
		.xSync = watch_sync,
		.xFileSize = watch_size,
		.xLock = watch_lock,
		.xUnlock = watch_unlock,
		.xCheckReservedLock = watch_check_lock,
		.xFileControl = watch_control,
		.xSectorSize = watch_sector,
		.xDeviceCharacteristics = watch_caps,
		.xShmMap = watch_shm_map,
		.xShmLock = watch_shm_lock,
		.xShmBarrier = watch_shm_barrier,
		.xShmUnmap = watch_shm_unmap,
	};
	watch_vfs = (sqlite3_vfs){
		.iVersion = 1,
		.szOsFile = (int)sizeof(watch_file) + real_vfs->szOsFile,
		.mxPathname = real_vfs->mxPathname,
		.zName = "watch",
		.xOpen = watch_open,
		.xDelete = watch_delete,
		.xAccess = watch_access,
		.xFullPathname = watch_full_name,
		.xRandomness = watch_random,
		.xSleep = watch_sleep,
		.xCurrentTime = watch_time,
		.xGetLastError = watch_error,
	};
	assert_int_equal(sqlite3_vfs_register(&watch_vfs, 1), SQLITE_OK);
}

/* ---- the fixture: a pool on a fresh file with one table ---- */

typedef struct fixture {
	char dir[64];
	char path[128];
	db *db;
} fixture;

static int setup(void **state)
{
	watch_install();
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/trygg-gc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "sqlite:%s/t.db", f->dir);
	char *err = NULL;
	f->db = db_open(f->path, THREADS, &err);
	if (f->db == NULL)
		fail_msg("db_open: %s", err);
	db_conn *c = db_acquire(f->db);
	assert_non_null(c);
	assert_int_equal(db_exec_script(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER, n INTEGER)"), 0);
	db_release(f->db, c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	db_close(f->db);
	const char *suffixes[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[160];
		snprintf(p, sizeof(p), "%s/t.db%s", f->dir, suffixes[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t synchronous_of(db_conn *c)
{
	db_stmt *s = db_prepare(c, "PRAGMA synchronous");
	assert_non_null(s);
	assert_int_equal(db_step(s), DB_ROW);
	int64_t v = db_column_int(s, 0);
	db_step(s);
	return v;
}

/* ---- tests ---- */

typedef struct worker {
	db *db;
	int id;
	int failures;  /* calls that failed */
	int unsynced;  /* commits that returned before their log write was synced */
} worker;

static void *worker_run(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < COMMITS_PER_THREAD; i++) {
		db_conn *c = db_acquire(w->db);
		if (c == NULL) {
			w->failures++;
			continue;
		}
		db_stmt *s;
		if (db_begin_write(c) != 0 || (s = db_prepare(c, "INSERT INTO t (who, n) VALUES (?, ?)")) == NULL) {
			w->failures++;
			db_release(w->db, c);
			continue;
		}
		db_bind_int(s, 1, w->id);
		db_bind_int(s, 2, i);
		if (db_step(s) != DB_DONE || db_commit(c) != 0)
			w->failures++;
		else if (atomic_load(&wal_synced) < last_write)
			w->unsynced++;
		db_release(w->db, c);
	}
	return NULL;
}

/* Many threads committing at once: every commit is on disk when db_commit()
 * returns, every row is there, and no more syncs were made than commits. */
static void test_every_commit_synced(void **state)
{
	fixture *f = *state;
	long syncs_before = atomic_load(&wal_syncs);
	pthread_t threads[THREADS];
	worker workers[THREADS];
	for (int i = 0; i < THREADS; i++) {
		workers[i] = (worker){ f->db, i, 0, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, worker_run, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(workers[i].failures, 0);
		assert_int_equal(workers[i].unsynced, 0);
	}
	long syncs = atomic_load(&wal_syncs) - syncs_before;
	assert_true(syncs >= 1);
	assert_true(syncs <= THREADS * COMMITS_PER_THREAD + 8); /* + checkpoints' syncs */
	db_conn *c = db_acquire(f->db);
	db_stmt *s = db_prepare(c, "SELECT COUNT(*), COUNT(DISTINCT who) FROM t");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), THREADS * COMMITS_PER_THREAD);
	assert_int_equal(db_column_int(s, 1), THREADS);
	db_step(s);
	db_release(f->db, c);
}

/* One thread alone: its own commit is synced before db_commit() returns; a
 * write transaction runs on the writer (synchronous=NORMAL) and the caller's
 * connection is FULL outside it: after COMMIT, after ROLLBACK, and after a
 * failed statement. */
static void test_one_writer(void **state)
{
	fixture *f = *state;
	db_conn *c = db_acquire(f->db);
	assert_non_null(c);
	assert_int_equal(synchronous_of(c), 2);
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(synchronous_of(c), 1);
	db_stmt *s = db_prepare(c, "INSERT INTO t (who, n) VALUES (100, 1)");
	assert_int_equal(db_step(s), DB_DONE);
	long syncs = atomic_load(&wal_syncs);
	assert_int_equal(db_commit(c), 0);
	assert_true(atomic_load(&wal_synced) >= last_write);
	assert_int_equal(atomic_load(&wal_syncs), syncs + 1);
	assert_int_equal(synchronous_of(c), 2);

	assert_int_equal(db_begin_write(c), 0);
	s = db_prepare(c, "INSERT INTO t (who, n) VALUES (100, 2)");
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_rollback(c), 0);
	assert_int_equal(synchronous_of(c), 2);

	assert_int_equal(db_begin_write(c), 0);
	assert_null(db_prepare(c, "INSERT INTO nowhere VALUES (1)"));
	assert_int_equal(db_rollback(c), 0);
	assert_int_equal(synchronous_of(c), 2);
	/* A second BEGIN is the database's error, and the turn is still given back. */
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(db_begin_write(c), -1);
	assert_int_equal(db_commit(c), 0);
	assert_int_equal(synchronous_of(c), 2);
	db_release(f->db, c);

	/* Another connection gets the write turn: nothing was left held. */
	c = db_acquire(f->db);
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(db_commit(c), 0);
	s = db_prepare(c, "SELECT COUNT(*) FROM t WHERE who = 100");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 1);
	db_step(s);
	db_release(f->db, c);
}

/* A connection that has done nothing yet commits through the writer and
 * syncs the log through itself. */
static void test_fresh_connection(void **state)
{
	fixture *f = *state;
	db_conn *first = db_acquire(f->db); /* the one db_open() made */
	db_conn *c = db_acquire(f->db);     /* opened now */
	assert_non_null(first);
	assert_non_null(c);
	assert_int_equal(db_begin_write(c), 0);
	db_stmt *s = db_prepare(c, "INSERT INTO t (who, n) VALUES (300, 1)");
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_commit(c), 0);
	assert_true(atomic_load(&wal_synced) >= last_write);
	s = db_prepare(first, "SELECT COUNT(*) FROM t WHERE who = 300");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 1);
	db_step(s);
	db_release(f->db, c);
	db_release(f->db, first);
}

/* A statement prepared in a write transaction cannot be used after it. */
static void test_statement_after_commit(void **state)
{
	fixture *f = *state;
	db_conn *c = db_acquire(f->db);
	assert_int_equal(db_begin_write(c), 0);
	db_stmt *s = db_prepare(c, "INSERT INTO t (who, n) VALUES (400, 1)");
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_commit(c), 0);
	db_bind_int(s, 1, 2);
	assert_int_equal(db_step(s), DB_ERROR);
	/* The connection's own statements work as before. */
	s = db_prepare(c, "SELECT COUNT(*) FROM t WHERE who = 400");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 1);
	db_step(s);
	db_release(f->db, c);
}

/* An error inside a write transaction is the caller's connection's error,
 * during the transaction and after the rollback. */
static void test_error_reaches_caller(void **state)
{
	fixture *f = *state;
	db_conn *c = db_acquire(f->db);
	assert_int_equal(db_exec_script(c, "CREATE UNIQUE INDEX t_who_n ON t(who, n)"), 0);
	assert_int_equal(db_begin_write(c), 0);
	db_stmt *s = db_prepare(c, "INSERT INTO t (who, n) VALUES (500, 1)");
	assert_int_equal(db_step(s), DB_DONE);
	s = db_prepare(c, "INSERT INTO t (who, n) VALUES (500, 1)");
	assert_int_equal(db_step(s), DB_ERROR);
	assert_true(db_error_is_conflict(c));
	assert_non_null(strstr(db_errmsg(c), "UNIQUE"));
	assert_int_equal(db_rollback(c), 0);
	assert_true(db_error_is_conflict(c));
	assert_non_null(strstr(db_errmsg(c), "UNIQUE"));
	db_release(f->db, c);
}

/* A connection with a statement still open (a read snapshot) writes on
 * itself, so that its next reads see the write; the next write of a
 * connection without one goes to the writer again. */
static void test_open_snapshot_writes_on_itself(void **state)
{
	fixture *f = *state;
	db_conn *c = db_acquire(f->db);
	db_stmt *s = db_prepare(c, "INSERT INTO t (who, n) VALUES (600, 1), (600, 2)");
	assert_int_equal(db_step(s), DB_DONE);
	db_stmt *open = db_prepare(c, "SELECT n FROM t WHERE who = 600 ORDER BY n");
	assert_int_equal(db_step(open), DB_ROW); /* left open */
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(synchronous_of(c), 2); /* on c itself */
	s = db_prepare(c, "INSERT INTO t (who, n) VALUES (601, 1)");
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_commit(c), 0);
	assert_int_equal(db_step(open), DB_ROW); /* the open statement goes on */
	assert_int_equal(db_column_int(open, 0), 2);
	assert_int_equal(db_step(open), DB_DONE);
	s = db_prepare(c, "SELECT COUNT(*) FROM t WHERE who = 601");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 1);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_begin_write(c), 0);
	assert_int_equal(synchronous_of(c), 1); /* the writer again */
	assert_int_equal(db_commit(c), 0);
	db_release(f->db, c);
}

/* A connection given back in the middle of a write transaction rolls it
 * back, is FULL again, and the next writer is not kept waiting. */
static void test_release_in_transaction(void **state)
{
	fixture *f = *state;
	db_conn *c = db_acquire(f->db);
	assert_int_equal(db_begin_write(c), 0);
	db_stmt *s = db_prepare(c, "INSERT INTO t (who, n) VALUES (200, 1)");
	assert_int_equal(db_step(s), DB_DONE);
	db_release(f->db, c);
	c = db_acquire(f->db);
	assert_int_equal(synchronous_of(c), 2);
	assert_int_equal(db_begin_write(c), 0);
	s = db_prepare(c, "SELECT COUNT(*) FROM t WHERE who = 200");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 0);
	db_step(s);
	assert_int_equal(db_commit(c), 0);
	db_release(f->db, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_commit_synced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statement_after_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reaches_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_snapshot_writes_on_itself, setup, teardown),
	};
	return cmocka_run_group_tests_name("db group commit (SQLite)", tests, NULL, NULL);
}
