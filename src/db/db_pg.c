/*
 * db_pg.c — the PostgreSQL backend on libpq (see db.h, db_backend.h).
 *
 * SQL arrives with '?' placeholders and is rewritten to $1, $2, … once, when
 * the statement is first prepared on a connection; each connection caches its
 * statements by SQL text and prepares them on the server under the names
 * s1, s2, … Values are sent as text, blobs in binary; results come back as
 * text and bytea columns are decoded with PQunescapeBytea().
 *
 * Every session runs with client_encoding UTF8 and time zone UTC, and its
 * NOTICEs are dropped. When the server goes away (restart, idle timeout,
 * pg_terminate_backend) the next command that fails resets the connection,
 * forgets what was prepared on the old session — cached statements are
 * prepared again on their next use — and, outside a transaction, runs the
 * command once more. A transaction cannot survive a lost connection: its
 * statements fail until the caller rolls back.
 *
 * Unlike SQLite, any error inside a transaction (a unique violation too)
 * aborts it: later statements fail and COMMIT reports an error.
 *
 * Not handled: '?' that is meant as a PostgreSQL operator (jsonb ? key) —
 * write jsonb_exists() instead; COPY; asynchronous queries.
 */
#include "db/db_backend.h"
#include "core/buf.h"
#include "core/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PG_BYTEA_OID 17 /* from the server's catalog/pg_type_d.h */
/* The advisory lock key that serialises migrations ("Tryg" in ASCII). */
#define PG_MIGRATION_LOCK "1416788327"

typedef struct pg_stmt {
	struct db_stmt base;
	char *server_sql;       /* owned: the same with $1, $2, … */
	char name[16];          /* server-side name, unique on the connection */
	bool prepared;          /* known to the current server session */
	int nparams;
	char **values;          /* owned, nparams of them: NULL is SQL NULL */
	int *lengths;           /* byte lengths of binary values */
	int *formats;           /* 1 for blobs (binary), 0 for text */
	int bad_index;          /* a bind index that was out of range, reported by step */
	bool bad_bind;
	PGresult *result;       /* rows of the current execution, or NULL */
	int row;                /* the current row of result */
	unsigned char **blobs;  /* PQunescapeBytea() of the current row, per column */
	size_t *blob_lens;
	int blob_count;
	int64_t changes;
	struct pg_stmt *next;
} pg_stmt;

typedef struct pg_conn {
	struct db_conn base;
	PGconn *handle;
	unsigned statement_count; /* names the next statement */
	bool lost_transaction;    /* the session holding the open transaction is gone */
} pg_conn;

/* One attempt at a command on the server; the caller clears the result. */
typedef PGresult *pg_command(pg_conn *c, void *arg);

static locale_t pg_numeric_locale;

static void pg_numeric_locale_init(void)
{
	pg_numeric_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (pg_numeric_locale == (locale_t)0)
		fatal("cannot create the C locale");
}

/* Numbers travel in the C locale's format ("3.25", never "3,25"), whatever
 * locale the process has chosen for its users. */
static locale_t pg_c_locale(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, pg_numeric_locale_init);
	return pg_numeric_locale;
}

static void pg_ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Turns libpq's multi-line messages into one line without trailing space. */
static void pg_one_line(char *msg)
{
	char *out = msg;
	for (const char *p = msg; *p; p++) {
		bool space = isspace((unsigned char)*p);
		if (space && (out == msg || out[-1] == ' '))
			continue;
		*out++ = space ? ' ' : *p;
	}
	while (out > msg && out[-1] == ' ')
		out--;
	*out = '\0';
}

static bool pg_ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || (unsigned char)ch >= 0x80;
}

/* When p starts a string literal, a quoted identifier, a dollar-quoted string
 * or a comment, returns the end of it (the end of sql when unterminated);
 * otherwise returns p. sql is the start of the text, for looking back. */
static const char *pg_skip_quoted(const char *sql, const char *p)
{
	switch (*p) {
	case '\'': {
		/* Only E'…' strings take backslash escapes (standard_conforming_strings). */
		bool backslash = p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
				 !(p - 1 > sql && pg_ident_char(p[-2]));
		for (p++; *p; p++) {
			if (backslash && *p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '\'' && p[1] == '\'')
				p++;
			else if (*p == '\'')
				return p + 1;
		}
		return p;
	}
	case '"':
		for (p++; *p; p++) {
			if (*p == '"' && p[1] == '"')
				p++;
			else if (*p == '"')
				return p + 1;
		}
		return p;
	case '-':
		return p[1] == '-' ? p + strcspn(p, "\n") : p;
	case '/': {
		if (p[1] != '*')
			return p;
		int depth = 1; /* PostgreSQL nests block comments */
		for (p += 2; *p && depth > 0;) {
			if (p[0] == '/' && p[1] == '*') {
				depth++;
				p += 2;
			} else if (p[0] == '*' && p[1] == '/') {
				depth--;
				p += 2;
			} else
				p++;
		}
		return p;
	}
	case '$': {
		/* $tag$ … $tag$ with an optional tag; $1 is a parameter, a$b an identifier. */
		if (p > sql && pg_ident_char(p[-1]))
			return p;
		const char *q = p + 1;
		if (isdigit((unsigned char)*q))
			return p;
		while (pg_ident_char(*q))
			q++;
		if (*q != '$')
			return p;
		size_t tag_len = (size_t)(q - p) + 1;
		const char *close = memmem(q + 1, strlen(q + 1), p, tag_len);
		return close ? close + tag_len : q + strlen(q);
	}
	default:
		return p;
	}
}

/* Appends sql to out with each '?' placeholder replaced by $1, $2, …
 * Returns the number of placeholders. */
static int pg_rewrite_placeholders(const char *sql, buf *out)
{
	int count = 0;
	const char *p = sql;
	while (*p) {
		const char *end = pg_skip_quoted(sql, p);
		if (end != p) {
			buf_append(out, p, (size_t)(end - p));
			p = end;
		} else if (*p == '?') {
			buf_printf(out, "$%d", ++count);
			p++;
		} else
			buf_putc(out, *p++);
	}
	return count;
}

/* Records the error of a failed command (res may be NULL) in c->base. */
static void pg_note_error(pg_conn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (msg == NULL && res != NULL && *PQresultErrorMessage(res))
		msg = PQresultErrorMessage(res);
	if (msg == NULL)
		msg = PQerrorMessage(c->handle);
	c->base.conflict = state != NULL && strcmp(state, "23505") == 0; /* unique_violation */
	db_set_error(&c->base, "postgres: %s", *msg ? msg : "unknown error");
	pg_one_line(c->base.errmsg);
}

/* Sets what every session needs beyond the connection parameters. 0 or -1. */
static int pg_session_setup(pg_conn *c)
{
	PGresult *res = PQexec(c->handle, "SET TIME ZONE 'UTC'");
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(res);
	return rc;
}

/* Reconnects after the server went away. Statements prepared on the old
 * session are marked so that their next use prepares them again. 0 or -1. */
static int pg_reconnect(pg_conn *c)
{
	for (int i = 0; i < DB_CACHE_BUCKETS; i++)
		for (db_stmt *s = c->base.cache[i]; s; s = s->next_cached)
			((pg_stmt *)s)->prepared = false;
	if (c->base.in_transaction)
		c->lost_transaction = true;
	PQreset(c->handle);
	return PQstatus(c->handle) == CONNECTION_OK ? pg_session_setup(c) : -1;
}

/* Records why a command failed and reconnects when the connection was lost.
 * Returns true when the command may run once more: the connection is back
 * and no transaction was lost with it. */
static bool pg_failed(pg_conn *c, const PGresult *res)
{
	pg_note_error(c, res);
	if (PQstatus(c->handle) == CONNECTION_OK)
		return false;
	bool in_transaction = c->base.in_transaction;
	if (pg_reconnect(c) != 0) {
		char first[sizeof(c->base.errmsg)];
		str_copy(first, c->base.errmsg, sizeof(first));
		db_set_error(&c->base, "%s (cannot reconnect: %s)", first, PQerrorMessage(c->handle));
		pg_one_line(c->base.errmsg);
		return false;
	}
	return !in_transaction;
}

/* Runs command, and once more after a reconnect when pg_failed() allows.
 * Returns the successful result (caller clears) or NULL with the error set. */
static PGresult *pg_run(pg_conn *c, pg_command *command, void *arg)
{
	for (int attempt = 0;; attempt++) {
		PGresult *res = command(c, arg);
		ExecStatusType status = PQresultStatus(res);
		/* An empty query (a script of comments only) succeeds, as on SQLite. */
		if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY)
			return res;
		bool again = pg_failed(c, res) && attempt == 0;
		PQclear(res);
		if (!again)
			return NULL;
	}
}

/* Refuses to run anything after the open transaction was lost with its
 * session, until the caller has rolled back: it would run in autocommit. */
static bool pg_transaction_lost(pg_conn *c)
{
	if (!c->base.in_transaction)
		c->lost_transaction = false;
	if (!c->lost_transaction)
		return false;
	c->base.conflict = false;
	db_set_error(&c->base, "postgres: the connection was lost inside a transaction; roll back");
	return true;
}

static PGresult *pg_command_prepare(pg_conn *c, void *arg)
{
	pg_stmt *s = arg;
	PGresult *res = PQprepare(c->handle, s->name, s->server_sql, 0, NULL);
	s->prepared = PQresultStatus(res) == PGRES_COMMAND_OK;
	return res;
}

static PGresult *pg_command_execute(pg_conn *c, void *arg)
{
	pg_stmt *s = arg;
	if (!s->prepared) {
		PGresult *res = pg_command_prepare(c, s);
		if (!s->prepared)
			return res;
		PQclear(res);
	}
	return PQexecPrepared(c->handle, s->name, s->nparams, (const char *const *)s->values,
			      s->lengths, s->formats, 0);
}

static PGresult *pg_command_exec(pg_conn *c, void *arg)
{
	return PQexec(c->handle, arg);
}

static void pg_free_blobs(pg_stmt *s)
{
	for (int i = 0; i < s->blob_count; i++)
		PQfreemem(s->blobs[i]);
	free(s->blobs);
	free(s->blob_lens);
	s->blobs = NULL;
	s->blob_lens = NULL;
	s->blob_count = 0;
}

/* Drops the result and the bound values: the state db_prepare() promises. */
static void pg_stmt_reset(pg_stmt *s)
{
	pg_free_blobs(s);
	PQclear(s->result);
	s->result = NULL;
	for (int i = 0; i < s->nparams; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
		s->lengths[i] = 0;
		s->formats[i] = 0;
	}
	s->bad_bind = false;
	s->changes = 0;
}

static void pg_stmt_free(pg_stmt *s)
{
	pg_stmt_reset(s);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->server_sql);
	free(s);
}

static void pg_stmt_reset_base(db_stmt *s)
{
	pg_stmt_reset((pg_stmt *)s);
}

static void pg_stmt_free_base(db_stmt *s)
{
	pg_stmt_free((pg_stmt *)s);
}

static db_conn *pg_connect(const char *url, char **err)
{
	/* Entries before dbname are defaults the URL may override; those after it win. */
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname",
					    "client_encoding", NULL };
	const char *const values[] = { "10", "trygg", url, "UTF8", NULL };
	pg_conn *c = xcalloc(1, sizeof(*c));
	c->handle = PQconnectdbParams(keys, values, 1);
	if (c->handle == NULL)
		fatal("out of memory (PQconnectdbParams)");
	PQsetNoticeProcessor(c->handle, pg_ignore_notice, NULL);
	if (PQstatus(c->handle) != CONNECTION_OK || pg_session_setup(c) != 0) {
		buf e = BUF_INIT;
		buf_printf(&e, "cannot connect to PostgreSQL: %s", PQerrorMessage(c->handle));
		*err = buf_detach(&e);
		pg_one_line(*err);
		PQfinish(c->handle);
		free(c);
		return NULL;
	}
	return &c->base;
}

static void pg_disconnect(db_conn *base)
{
	pg_conn *c = (pg_conn *)base;
	PQfinish(c->handle);
	free(c);
}

static void pg_release(db_conn *base)
{
	pg_conn *c = (pg_conn *)base;
	c->lost_transaction = false; /* db.c has reset every statement */
}

static db_stmt *pg_stmt_new(db_conn *base, const char *sql)
{
	pg_conn *c = (pg_conn *)base;
	pg_stmt *s = xcalloc(1, sizeof(*s));
	buf server_sql = BUF_INIT;
	s->nparams = pg_rewrite_placeholders(sql, &server_sql);
	s->server_sql = buf_detach(&server_sql);
	snprintf(s->name, sizeof(s->name), "s%u", ++c->statement_count);
	size_t slots = s->nparams > 0 ? (size_t)s->nparams : 1;
	s->values = xcalloc(slots, sizeof(*s->values));
	s->lengths = xcalloc(slots, sizeof(*s->lengths));
	s->formats = xcalloc(slots, sizeof(*s->formats));
	/* Prepared now, not at the first step, so that bad SQL is reported here. */
	PGresult *res = pg_run(c, pg_command_prepare, s);
	if (res == NULL) {
		pg_stmt_free(s);
		return NULL;
	}
	PQclear(res);
	return &s->base;
}

/* Stores parameter idx of s; value (may be NULL) now belongs to s. */
static void pg_bind(db_stmt *base, int idx, char *value, int length, int format)
{
	pg_stmt *s = (pg_stmt *)base;
	if (idx < 1 || idx > s->nparams) {
		free(value);
		s->bad_bind = true;
		s->bad_index = idx;
		return;
	}
	free(s->values[idx - 1]);
	s->values[idx - 1] = value;
	s->lengths[idx - 1] = length;
	s->formats[idx - 1] = format;
}

static void pg_bind_text(db_stmt *s, int idx, const char *text)
{
	pg_bind(s, idx, xstrdup(text), 0, 0);
}

static void pg_bind_int(db_stmt *s, int idx, int64_t v)
{
	char text[24];
	snprintf(text, sizeof(text), "%" PRId64, v);
	pg_bind(s, idx, xstrdup(text), 0, 0);
}

static void pg_bind_double(db_stmt *s, int idx, double v)
{
	char text[40];
	locale_t previous = uselocale(pg_c_locale());
	snprintf(text, sizeof(text), "%.17g", v); /* round-trips exactly */
	uselocale(previous);
	pg_bind(s, idx, xstrdup(text), 0, 0);
}

static void pg_bind_blob(db_stmt *s, int idx, const void *data, size_t len)
{
	if (len > INT_MAX) { /* beyond libpq's lengths; reported by step */
		((pg_stmt *)s)->bad_bind = true;
		((pg_stmt *)s)->bad_index = idx;
		return;
	}
	char *copy = xmalloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(copy, data, len);
	pg_bind(s, idx, copy, (int)len, 1);
}

static void pg_bind_null(db_stmt *s, int idx)
{
	pg_bind(s, idx, NULL, 0, 0);
}

static int pg_step(db_stmt *base)
{
	pg_stmt *s = (pg_stmt *)base;
	pg_conn *c = (pg_conn *)base->conn;
	pg_free_blobs(s);
	if (s->result != NULL) {
		if (++s->row < PQntuples(s->result))
			return DB_ROW;
		/* Like SQLite after a reset: the next step runs the statement again. */
		PQclear(s->result);
		s->result = NULL;
		return DB_DONE;
	}
	if (s->bad_bind) {
		c->base.conflict = false;
		db_set_error(&c->base, "postgres: cannot bind parameter %d of %d in: %s",
			     s->bad_index, s->nparams, s->base.sql);
		return DB_ERROR;
	}
	if (pg_transaction_lost(c))
		return DB_ERROR;
	PGresult *res = pg_run(c, pg_command_execute, s);
	if (res == NULL)
		return DB_ERROR;
	int64_t changes;
	s->changes = str_to_int64(PQcmdTuples(res), &changes) == 0 ? changes : 0;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
		s->result = res;
		s->row = 0;
		return DB_ROW;
	}
	PQclear(res);
	return DB_DONE;
}

/* The text of col in the current row; NULL for SQL NULL or no such value. */
static const char *pg_value(pg_stmt *s, int col)
{
	if (s->result == NULL || col < 0 || col >= PQnfields(s->result) ||
	    PQgetisnull(s->result, s->row, col))
		return NULL;
	return PQgetvalue(s->result, s->row, col);
}

static bool pg_column_is_null(db_stmt *s, int col)
{
	return pg_value((pg_stmt *)s, col) == NULL;
}

/* bytea columns come back in PostgreSQL's hex text form; use column_blob. */
static const char *pg_column_text(db_stmt *s, int col)
{
	return pg_value((pg_stmt *)s, col);
}

static double pg_column_double(db_stmt *s, int col)
{
	const char *v = pg_value((pg_stmt *)s, col);
	return v ? strtod_l(v, NULL, pg_c_locale()) : 0.0;
}

/* Besides integers, reads booleans ("t"/"f") and truncates numeric results
 * such as AVG(), as SQLite would. */
static int64_t pg_column_int(db_stmt *s, int col)
{
	const char *v = pg_value((pg_stmt *)s, col);
	int64_t n;
	if (v == NULL)
		return 0;
	if (str_to_int64(v, &n) == 0)
		return n;
	if (strcmp(v, "t") == 0 || strcmp(v, "f") == 0)
		return *v == 't';
	double d = strtod_l(v, NULL, pg_c_locale());
	if (!(d > -9223372036854775808.0)) /* also NaN */
		return d < 0 ? INT64_MIN : 0;
	return d >= 9223372036854775808.0 ? INT64_MAX : (int64_t)d;
}

static const void *pg_column_blob(db_stmt *base, int col, size_t *len)
{
	pg_stmt *s = (pg_stmt *)base;
	const char *v = pg_value(s, col);
	*len = 0;
	if (v == NULL)
		return NULL;
	if (PQftype(s->result, col) != PG_BYTEA_OID) {
		*len = (size_t)PQgetlength(s->result, s->row, col);
		return v;
	}
	if (s->blobs == NULL) {
		s->blob_count = PQnfields(s->result);
		s->blobs = xcalloc((size_t)s->blob_count, sizeof(*s->blobs));
		s->blob_lens = xcalloc((size_t)s->blob_count, sizeof(*s->blob_lens));
	}
	if (s->blobs[col] == NULL) {
		s->blobs[col] = PQunescapeBytea((const unsigned char *)v, &s->blob_lens[col]);
		if (s->blobs[col] == NULL)
			fatal("out of memory (PQunescapeBytea)");
	}
	*len = s->blob_lens[col];
	return s->blobs[col];
}

static int64_t pg_changes(db_stmt *s)
{
	return ((pg_stmt *)s)->changes;
}

static int pg_exec(db_conn *base, const char *sql)
{
	pg_conn *c = (pg_conn *)base;
	if (c->lost_transaction && c->base.in_transaction && strcasecmp(sql, "ROLLBACK") == 0) {
		/* The transaction died with the old session; there is nothing to undo. */
		c->lost_transaction = false;
		return 0;
	}
	if (pg_transaction_lost(c))
		return -1;
	PGresult *res = pg_run(c, pg_command_exec, (void *)sql);
	int rc = res != NULL ? 0 : -1;
	if (res != NULL && strcmp(PQcmdStatus(res), "ROLLBACK") == 0 && strcasecmp(sql, "COMMIT") == 0) {
		/* Unlike SQLite, PostgreSQL ends a transaction at its first error, and
		 * then answers COMMIT by rolling back: that must not look like success. */
		c->base.conflict = false;
		db_set_error(base, "postgres: the transaction was rolled back after an earlier error");
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* A session-level advisory lock: it is also let go if the connection drops. */
static int pg_lock_migrations(db_conn *c)
{
	return pg_exec(c, "SELECT pg_advisory_lock(" PG_MIGRATION_LOCK ")");
}

static int pg_unlock_migrations(db_conn *c)
{
	return pg_exec(c, "SELECT pg_advisory_unlock(" PG_MIGRATION_LOCK ")");
}

const struct db_backend db_pg_backend = {
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.release = pg_release,
	.stmt_new = pg_stmt_new,
	.stmt_reset = pg_stmt_reset_base,
	.stmt_free = pg_stmt_free_base,
	.bind_text = pg_bind_text,
	.bind_int = pg_bind_int,
	.bind_double = pg_bind_double,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_is_null = pg_column_is_null,
	.column_text = pg_column_text,
	.column_int = pg_column_int,
	.column_double = pg_column_double,
	.column_blob = pg_column_blob,
	.changes = pg_changes,
	.exec = pg_exec,
	.begin_read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	.begin_write_sql = "BEGIN",
	.lock_migrations = pg_lock_migrations,
	.unlock_migrations = pg_unlock_migrations,
	.type_id = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.type_blob = "BYTEA",
	.type_real = "DOUBLE PRECISION",
	.kind = DB_POSTGRES,
};
