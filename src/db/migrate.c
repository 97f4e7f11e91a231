/*
 * migrate.c — versioned schema migrations, written once and run on both backends.
 *
 * A migration is a file NNNN_name.sql in the migrations folder. It is plain SQL
 * that both SQLite and PostgreSQL accept, except for these tokens, which are
 * replaced by the backend's own words:
 *   {{id}}    an auto-incrementing integer primary key column type
 *   {{blob}}  a column of raw bytes
 *   {{real}}  a double-precision number
 * and for dialect blocks, for what cannot be written once (triggers):
 *   {{sqlite}} … {{/sqlite}}  kept on SQLite only, dropped on PostgreSQL
 *   {{pg}} … {{/pg}}          kept on PostgreSQL only, dropped on SQLite
 * Blocks do not nest; a block without its end runs to the end of the file.
 * Each file runs in its own transaction together with its row in
 * schema_migrations, so a migration is applied wholly or not at all.
 */
#include "db/db_backend.h"
#include "core/buf.h"
#include "core/util.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct migration {
	int64_t version;
	char *name; /* owned: file name */
} migration;

static int migration_cmp(const void *a, const void *b)
{
	const migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

/* Replaces the dialect tokens in sql; the result goes to out. */
static void migration_translate(const struct db_backend *be, const char *sql, buf *out)
{
	static const struct {
		const char *token;
		size_t off;
	} tokens[] = {
		{ "{{id}}", offsetof(struct db_backend, type_id) },
		{ "{{blob}}", offsetof(struct db_backend, type_blob) },
		{ "{{real}}", offsetof(struct db_backend, type_real) },
	};
	static const struct {
		const char *open, *close;
		db_kind kind;
	} blocks[] = {
		{ "{{sqlite}}", "{{/sqlite}}", DB_SQLITE },
		{ "{{pg}}", "{{/pg}}", DB_POSTGRES },
	};
	const char *p = sql;
	while (*p) {
		const char *hit = strstr(p, "{{");
		if (hit == NULL)
			break;
		size_t i;
		for (i = 0; i < ARRAY_LEN(tokens); i++)
			if (str_starts_with(hit, tokens[i].token))
				break;
		buf_append(out, p, (size_t)(hit - p));
		size_t b;
		for (b = 0; b < ARRAY_LEN(blocks); b++)
			if (str_starts_with(hit, blocks[b].open))
				break;
		if (b < ARRAY_LEN(blocks)) {
			/* A dialect block: keep its text for its backend, drop it for the other. */
			const char *body = hit + strlen(blocks[b].open);
			const char *end = strstr(body, blocks[b].close);
			const char *after = end ? end + strlen(blocks[b].close) : body + strlen(body);
			if (blocks[b].kind == be->kind)
				buf_append(out, body, (size_t)((end ? end : after) - body));
			p = after;
			continue;
		}
		if (str_starts_with(hit, "{{/sqlite}}") || str_starts_with(hit, "{{/pg}}")) {
			/* The end of a block kept above. */
			p = strchr(hit, '}') + 2;
			continue;
		}
		if (i == ARRAY_LEN(tokens)) {
			buf_puts(out, "{{");
			p = hit + 2;
			continue;
		}
		buf_puts(out, *(const char *const *)((const char *)be + tokens[i].off));
		p = hit + strlen(tokens[i].token);
	}
	buf_puts(out, p);
}

/* Returns 1 when version is recorded as applied, 0 when not, -1 on error. */
static int migration_applied(db_conn *c, int64_t version)
{
	db_stmt *s = db_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?");
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, version);
	int rc = db_step(s);
	return rc == DB_ERROR ? -1 : rc == DB_ROW;
}

static int migration_apply(db_conn *c, const char *dir, const migration *m, char **err)
{
	int rc = -1;
	buf path = BUF_INIT, sql = BUF_INIT;
	char *text = NULL;
	buf_printf(&path, "%s/%s", dir, m->name);
	buf file = BUF_INIT;
	if (buf_read_file(&file, path.data) == 0)
		text = buf_detach(&file);
	buf_free(&file);
	if (text == NULL) {
		*err = buf_strdup_printf("cannot read migration %s", path.data);
		goto out;
	}
	migration_translate(c->be, text, &sql);
	if (db_begin_write(c) != 0)
		goto db_error;
	int applied = migration_applied(c, m->version);
	if (applied < 0)
		goto db_error;
	if (applied) {
		rc = db_commit(c);
		goto out;
	}
	if (db_exec_script(c, sql.data) != 0)
		goto db_error;
	db_stmt *s = db_prepare(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
	if (s == NULL)
		goto db_error;
	db_bind_int(s, 1, m->version);
	db_bind_text(s, 2, m->name);
	db_bind_int(s, 3, (int64_t)time(NULL));
	if (db_step(s) != DB_DONE || db_commit(c) != 0)
		goto db_error;
	rc = 0;
	goto out;
db_error:
	*err = buf_strdup_printf("migration %s failed: %s", m->name, db_errmsg(c));
	db_rollback(c);
out:
	free(text);
	buf_free(&path);
	buf_free(&sql);
	return rc;
}

int db_migrate(db *d, const char *dir, char **err)
{
	int rc = -1;
	migration *list = NULL;
	size_t count = 0;
	bool locked = false;
	DIR *dh = NULL;
	db_conn *c = db_acquire(d);
	*err = NULL;
	if (c == NULL) {
		*err = xstrdup("cannot connect to the database");
		return -1;
	}
	if (c->be->lock_migrations(c) != 0) {
		*err = buf_strdup_printf("cannot lock for migrations: %s", db_errmsg(c));
		goto out;
	}
	locked = true;
	if (db_exec_script(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			      " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)") != 0) {
		*err = buf_strdup_printf("cannot create schema_migrations: %s", db_errmsg(c));
		goto out;
	}
	dh = opendir(dir);
	if (dh == NULL) {
		*err = buf_strdup_printf("cannot open migrations folder %s", dir);
		goto out;
	}
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		char *endp;
		long long v = strtoll(e->d_name, &endp, 10);
		if (endp == e->d_name || *endp != '_')
			continue;
		list = xrealloc(list, (count + 1) * sizeof(*list));
		list[count].version = v;
		list[count].name = xstrdup(e->d_name);
		count++;
	}
	qsort(list, count, sizeof(*list), migration_cmp);
	for (size_t i = 0; i < count; i++) {
		if (i > 0 && list[i].version == list[i - 1].version) {
			*err = buf_strdup_printf("two migrations share a version: %s and %s", list[i - 1].name, list[i].name);
			goto out;
		}
		if (migration_apply(c, dir, &list[i], err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (locked)
		c->be->unlock_migrations(c);
	if (dh)
		closedir(dh);
	for (size_t i = 0; i < count; i++)
		free(list[i].name);
	free(list);
	db_release(d, c);
	return rc;
}
