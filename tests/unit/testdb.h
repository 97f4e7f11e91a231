/*
 * testdb.h — a throwaway migrated SQLite database for a unit test: made in
 * a fresh folder under /tmp and removed with its WAL files afterwards.
 * Include after <cmocka.h>; failures end the test with fail_msg().
 */
#ifndef TRYGG_TESTS_UNIT_TESTDB_H
#define TRYGG_TESTS_UNIT_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db/db.h"

typedef struct testdb {
	char dir[64];
	db *db;
} testdb;

/* Opens a migrated database in a new folder /tmp/trygg-test-NAME-XXXXXX
 * (migrations/ relative to the working directory, the repository root). */
static inline db *testdb_open(testdb *t, const char *name)
{
	char url[128], *err = NULL;
	snprintf(t->dir, sizeof(t->dir), "/tmp/trygg-test-%s-XXXXXX", name);
	if (mkdtemp(t->dir) == NULL)
		fail_msg("cannot make a folder for %s", name);
	snprintf(url, sizeof(url), "sqlite:%s/t.db", t->dir);
	t->db = db_open(url, 1, &err);
	if (t->db == NULL || db_migrate(t->db, "migrations", &err) != 0)
		fail_msg("cannot open or migrate: %s", err ? err : "?");
	return t->db;
}

/* Closes the database and removes it, its WAL files and its folder. */
static inline void testdb_close(testdb *t)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char path[128];
	db_close(t->db);
	t->db = NULL;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s/t.db%s", t->dir, suffixes[i]);
		unlink(path);
	}
	rmdir(t->dir);
}

#endif
