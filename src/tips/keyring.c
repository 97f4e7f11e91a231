/*
 * keyring.c — the unit key and who may open it (see tip_store.h, and the
 * design at the top of tip_crypto.c): officers' keys, access, the key kept
 * for a login session, grants, removal and rotation.
 *
 * argon2id runs outside write transactions, so that a login never holds the
 * database's write lock for the time a password takes. Secrets are in
 * tip_secret_new() buffers and wiped on every path out.
 */
#include "tips/tip_store.h"
#include "auth/auth.h"
#include "core/util.h"
#include "web/web.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SESSION_PURPOSE "officer-session"

static const char SQL_UNIT_CURRENT[] = "SELECT id, public_key FROM tip_unit_keys ORDER BY id DESC LIMIT 1";
static const char SQL_UNIT_INSERT[] = "INSERT INTO tip_unit_keys (public_key, created_day) VALUES (?, ?) RETURNING id";
static const char SQL_UNIT_DELETE[] = "DELETE FROM tip_unit_keys WHERE id = ?";
static const char SQL_OFFICER_FIND[] =
	"SELECT public_key, pw_salt, pw_opslimit, pw_memlimit, wrapped_secret FROM tip_officer_keys WHERE user_id = ?";
static const char SQL_OFFICER_DELETE[] = "DELETE FROM tip_officer_keys WHERE user_id = ?";
static const char SQL_OFFICER_INSERT[] =
	"INSERT INTO tip_officer_keys (user_id, public_key, pw_salt, pw_opslimit, pw_memlimit, wrapped_secret, created_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_OFFICER_REWRAP[] =
	"UPDATE tip_officer_keys SET pw_salt = ?, pw_opslimit = ?, pw_memlimit = ?, wrapped_secret = ?"
	" WHERE user_id = ? AND public_key = ?";
static const char SQL_SESSION_PUT[] =
	"INSERT INTO tip_officer_sessions (session_id, user_id, wrapped_secret) VALUES (?, ?, ?)"
	" ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, wrapped_secret = excluded.wrapped_secret";
static const char SQL_SESSION_FIND[] =
	"SELECT wrapped_secret FROM tip_officer_sessions WHERE session_id = ? AND user_id = ?";
static const char SQL_SESSIONS_DELETE[] = "DELETE FROM tip_officer_sessions WHERE user_id = ?";
static const char SQL_ACCESS_FIND[] = "SELECT unit_key_id, sealed_secret FROM tip_unit_access WHERE user_id = ?";
static const char SQL_ACCESS_PUT[] =
	"INSERT INTO tip_unit_access (user_id, unit_key_id, sealed_secret, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)"
	" ON CONFLICT (user_id) DO UPDATE SET unit_key_id = excluded.unit_key_id,"
	" sealed_secret = excluded.sealed_secret, granted_by = excluded.granted_by, granted_at = excluded.granted_at";
static const char SQL_ACCESS_COUNT_OTHERS[] = "SELECT COUNT(*) FROM tip_unit_access WHERE user_id <> ?";
static const char SQL_ACCESS_HAS[] = "SELECT COUNT(*) FROM tip_unit_access WHERE user_id = ?";
static const char SQL_ACCESS_ALL[] =
	"SELECT a.user_id, o.public_key FROM tip_unit_access a JOIN tip_officer_keys o ON o.user_id = a.user_id";
static const char SQL_ACCESS_RESEAL[] = "UPDATE tip_unit_access SET unit_key_id = ?, sealed_secret = ? WHERE user_id = ?";
static const char SQL_OFFICERS[] =
	"SELECT o.user_id, u.email, u.name, u.roles, o.public_key, a.granted_at FROM tip_officer_keys o"
	" JOIN users u ON u.id = o.user_id LEFT JOIN tip_unit_access a ON a.user_id = o.user_id"
	" ORDER BY CASE WHEN a.user_id IS NULL THEN 1 ELSE 0 END, u.email";

/* The sealed columns that a rotation moves to the new key: SELECT id, sealed
 * WHERE unit_key_id = ?; UPDATE SET sealed, unit_key_id WHERE id. */
static const struct sealed_table {
	const char *select_sql;
	const char *update_sql;
} sealed_tables[] = {
	{ "SELECT id, sealed FROM tips WHERE unit_key_id = ?", "UPDATE tips SET sealed = ?, unit_key_id = ? WHERE id = ?" },
	{ "SELECT id, sealed_unit FROM tip_messages WHERE unit_key_id = ?",
	  "UPDATE tip_messages SET sealed_unit = ?, unit_key_id = ? WHERE id = ?" },
};
static const char SQL_ATTACHMENTS_OF_KEY[] = "SELECT id, file, sealed_key FROM tip_attachments WHERE unit_key_id = ?";
static const char SQL_ATTACHMENT_REKEY[] =
	"UPDATE tip_attachments SET file = ?, sealed_key = ?, unit_key_id = ? WHERE id = ?";

void tip_unit_release(tip_unit *u)
{
	tip_secret_free(u->sk);
	u->sk = NULL;
}

int tip_unit_current(db_conn *c, tip_unit *u)
{
	db_stmt *s = db_prepare(c, SQL_UNIT_CURRENT);
	u->sk = NULL;
	if (s == NULL)
		return -1;
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	u->id = db_column_int(s, 0);
	int rc = tip_blob_copy(s, 1, u->pk, sizeof(u->pk)) == 0 ? 1 : -1;
	if (db_step(s) != DB_DONE)
		return -1;
	return rc;
}

/* ---- officer keys ---- */

/* An officer key as stored. */
typedef struct officer_key {
	unsigned char pk[TIP_PUBLIC_BYTES];
	tip_wrap wrap;
} officer_key;

/* Reads user_id's officer key: 1, 0 when none, -1 on error. */
static int officer_key_find(db_conn *c, int64_t user_id, officer_key *k)
{
	db_stmt *s = db_prepare(c, SQL_OFFICER_FIND);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user_id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	int rc = 1;
	if (tip_blob_copy(s, 0, k->pk, sizeof(k->pk)) != 0 || tip_blob_copy(s, 1, k->wrap.salt, sizeof(k->wrap.salt)) != 0 ||
	    tip_blob_copy(s, 4, k->wrap.box, sizeof(k->wrap.box)) != 0)
		rc = -1;
	k->wrap.opslimit = (unsigned long long)db_column_int(s, 2);
	k->wrap.memlimit = (size_t)db_column_int(s, 3);
	if (db_step(s) != DB_DONE)
		return -1;
	return rc;
}

/* Makes a new officer key wrapped with password into k; sk gets its secret. 0 or -1. */
static int officer_key_make(const config *cfg, const char *password, officer_key *k, unsigned char *sk)
{
	tip_keypair(k->pk, sk);
	return tip_wrap_password(password, cfg->password_opslimit, cfg->password_memlimit, sk, &k->wrap);
}

/* Replaces user_id's officer key by k, inside the caller's write transaction
 * (deleting first, so that access sealed to the old key goes with it). 0 or -1. */
static int officer_key_store(db_conn *c, int64_t user_id, const officer_key *k, int64_t now)
{
	db_stmt *s = db_prepare(c, SQL_OFFICER_DELETE);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user_id);
	if (db_step(s) != DB_DONE)
		return -1;
	s = db_prepare(c, SQL_OFFICER_INSERT);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user_id);
	db_bind_blob(s, 2, k->pk, sizeof(k->pk));
	db_bind_blob(s, 3, k->wrap.salt, sizeof(k->wrap.salt));
	db_bind_int(s, 4, (int64_t)k->wrap.opslimit);
	db_bind_int(s, 5, (int64_t)k->wrap.memlimit);
	db_bind_blob(s, 6, k->wrap.box, sizeof(k->wrap.box));
	db_bind_int(s, 7, now);
	return db_step(s) == DB_DONE ? 0 : -1;
}

/* Unwraps user_id's officer key with password into sk, making a new one (and
 * storing it) when there is none or the password does not open it. Sets
 * *made when a new key was made (*replaced when it replaced one). 0 or -1. */
static int officer_key_open_or_make(db_conn *c, const config *cfg, int64_t user_id, const char *password,
				    unsigned char *sk, unsigned char pk[TIP_PUBLIC_BYTES], bool *replaced)
{
	officer_key k;
	*replaced = false;
	int found = officer_key_find(c, user_id, &k);
	if (found < 0)
		return -1;
	if (found == 1 && tip_unwrap_password(password, &k.wrap, sk) == 0) {
		memcpy(pk, k.pk, sizeof(k.pk));
		return 0;
	}
	*replaced = found == 1;
	if (officer_key_make(cfg, password, &k, sk) != 0)
		return -1;
	if (db_begin_write(c) != 0)
		return tip_db_failed(c, "begin");
	if (officer_key_store(c, user_id, &k, (int64_t)time(NULL)) != 0 || db_commit(c) != 0)
		return tip_db_failed(c, "store officer key");
	memcpy(pk, k.pk, sizeof(k.pk));
	return 0;
}

int tip_officer_login(db_conn *c, const config *cfg, int64_t user_id, bool is_officer, const char *password,
		      const char *session_token, bool *replaced)
{
	*replaced = false;
	if (!is_officer) {
		/* The role was taken away: so is the key (unless it is the last one with access). */
		officer_key k;
		int found = officer_key_find(c, user_id, &k);
		return found < 0 || (found == 1 && tip_officer_remove(c, user_id) < 0) ? -1 : 0;
	}
	unsigned char *sk = tip_secret_new(), *key = tip_secret_new();
	unsigned char pk[TIP_PUBLIC_BYTES], box[TIP_WRAP_BYTES];
	char sid[SESSION_DB_ID_CHARS + 1];
	int rc = -1;
	if (officer_key_open_or_make(c, cfg, user_id, password, sk, pk, replaced) != 0)
		goto out;
	tip_token_key(SESSION_PURPOSE, session_token, key);
	tip_wrap_key(key, sk, box);
	session_db_id(session_token, sid);
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_SESSION_PUT)) == NULL) {
		tip_db_failed(c, "session key");
		goto out;
	}
	db_bind_text(s, 1, sid);
	db_bind_int(s, 2, user_id);
	db_bind_blob(s, 3, box, sizeof(box));
	if (db_step(s) != DB_DONE || db_commit(c) != 0) {
		tip_db_failed(c, "session key");
		goto out;
	}
	rc = 0;
out:
	tip_secret_free(sk);
	tip_secret_free(key);
	return rc;
}

int tip_officer_rewrap(db_conn *c, const config *cfg, int64_t user_id, const char *old_password,
		       const char *new_password)
{
	officer_key k;
	tip_wrap fresh;
	unsigned char *sk = tip_secret_new();
	int rc = -1;
	int found = officer_key_find(c, user_id, &k);
	if (found <= 0 || tip_unwrap_password(old_password, &k.wrap, sk) != 0) {
		rc = found < 0 ? -1 : 0;
		goto out;
	}
	if (tip_wrap_password(new_password, cfg->password_opslimit, cfg->password_memlimit, sk, &fresh) != 0)
		goto out;
	db_stmt *s;
	if (db_begin_write(c) != 0 || (s = db_prepare(c, SQL_OFFICER_REWRAP)) == NULL) {
		tip_db_failed(c, "re-wrap officer key");
		goto out;
	}
	db_bind_blob(s, 1, fresh.salt, sizeof(fresh.salt));
	db_bind_int(s, 2, (int64_t)fresh.opslimit);
	db_bind_int(s, 3, (int64_t)fresh.memlimit);
	db_bind_blob(s, 4, fresh.box, sizeof(fresh.box));
	db_bind_int(s, 5, user_id);
	db_bind_blob(s, 6, k.pk, sizeof(k.pk));
	if (db_step(s) != DB_DONE || db_commit(c) != 0) {
		tip_db_failed(c, "re-wrap officer key");
		goto out;
	}
	rc = 0;
out:
	tip_secret_free(sk);
	return rc;
}

/* ---- unlocking ---- */

/* Opens the unit key u (current) with user_id's officer key pair. Returns
 * TIP_UNLOCKED, TIP_LOCK_PENDING, or -1 on error. */
static int unit_open(db_conn *c, int64_t user_id, const unsigned char *officer_pk, const unsigned char *officer_sk,
		     tip_unit *u)
{
	unsigned char sealed[TIP_SECRET_BYTES + TIP_SEAL_BYTES];
	db_stmt *s = db_prepare(c, SQL_ACCESS_FIND);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user_id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? TIP_LOCK_PENDING : -1;
	int64_t key_id = db_column_int(s, 0);
	int ok = tip_blob_copy(s, 1, sealed, sizeof(sealed));
	if (db_step(s) != DB_DONE)
		return -1;
	if (ok != 0 || key_id != u->id)
		return TIP_LOCK_PENDING;
	unsigned char *sk = tip_secret_new();
	unsigned char check[TIP_PUBLIC_BYTES];
	if (tip_open(officer_pk, officer_sk, sealed, sizeof(sealed), sk) != 0) {
		tip_secret_free(sk);
		return TIP_LOCK_PENDING;
	}
	tip_public_of(sk, check);
	if (sodium_memcmp(check, u->pk, sizeof(check)) != 0) {
		tip_secret_free(sk);
		return TIP_LOCK_PENDING;
	}
	u->sk = sk;
	return TIP_UNLOCKED;
}

/* The reason an officer without a usable key cannot read: pending when the
 * officer key exists without access, else "log in again". */
static int lock_reason(db_conn *c, int64_t user_id)
{
	db_stmt *s = db_prepare(c, SQL_ACCESS_HAS);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user_id);
	if (db_step(s) != DB_ROW)
		return -1;
	int64_t n = db_column_int(s, 0);
	if (db_step(s) != DB_DONE)
		return -1;
	officer_key k;
	int found = officer_key_find(c, user_id, &k);
	if (found < 0)
		return -1;
	return found == 1 && n == 0 ? TIP_LOCK_PENDING : TIP_LOCK_NO_SESSION;
}

int tip_unlock_session(db_conn *c, int64_t user_id, const char *session_token, tip_unit *u)
{
	int current = tip_unit_current(c, u);
	if (current <= 0)
		return current < 0 ? -1 : TIP_LOCK_NO_UNIT_KEY;
	if (session_token == NULL)
		return lock_reason(c, user_id);
	char sid[SESSION_DB_ID_CHARS + 1];
	unsigned char box[TIP_WRAP_BYTES];
	session_db_id(session_token, sid);
	db_stmt *s = db_prepare(c, SQL_SESSION_FIND);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, sid);
	db_bind_int(s, 2, user_id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? lock_reason(c, user_id) : -1;
	int ok = tip_blob_copy(s, 0, box, sizeof(box));
	if (db_step(s) != DB_DONE)
		return -1;
	officer_key k;
	int found = officer_key_find(c, user_id, &k);
	if (found <= 0 || ok != 0)
		return found < 0 ? -1 : TIP_LOCK_NO_SESSION;
	unsigned char *key = tip_secret_new(), *sk = tip_secret_new();
	int rc = TIP_LOCK_NO_SESSION;
	tip_token_key(SESSION_PURPOSE, session_token, key);
	if (tip_unwrap_key(key, box, sk) == 0)
		rc = unit_open(c, user_id, k.pk, sk, u);
	tip_secret_free(key);
	tip_secret_free(sk);
	if (rc == TIP_LOCK_PENDING)
		rc = lock_reason(c, user_id);
	return rc;
}

int tip_unlock_password(db_conn *c, int64_t user_id, const char *password, tip_unit *u)
{
	int current = tip_unit_current(c, u);
	if (current <= 0)
		return current < 0 ? -1 : TIP_LOCK_NO_UNIT_KEY;
	officer_key k;
	int found = officer_key_find(c, user_id, &k);
	if (found <= 0)
		return found < 0 ? -1 : TIP_LOCK_NO_SESSION;
	unsigned char *sk = tip_secret_new();
	int rc = TIP_LOCK_NO_SESSION;
	if (tip_unwrap_password(password, &k.wrap, sk) == 0)
		rc = unit_open(c, user_id, k.pk, sk, u);
	tip_secret_free(sk);
	return rc;
}

/* ---- setting up, granting, removing ---- */

/* Seals sk to officer public key pk and stores it as user_id's access to key
 * key_id, inside the caller's write transaction. 0 or -1. */
static int access_put(db_conn *c, int64_t user_id, const unsigned char *pk, int64_t key_id, const unsigned char *sk,
		      int64_t by, int64_t now)
{
	unsigned char sealed[TIP_SECRET_BYTES + TIP_SEAL_BYTES];
	tip_seal(pk, sk, TIP_SECRET_BYTES, sealed);
	db_stmt *s = db_prepare(c, SQL_ACCESS_PUT);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user_id);
	db_bind_int(s, 2, key_id);
	db_bind_blob(s, 3, sealed, sizeof(sealed));
	if (by > 0)
		db_bind_int(s, 4, by);
	else
		db_bind_null(s, 4);
	db_bind_int(s, 5, now);
	return db_step(s) == DB_DONE ? 0 : -1;
}

/* Inserts a unit key with public key pk inside the caller's write
 * transaction; sets *id. 0 or -1. */
static int unit_insert(db_conn *c, const unsigned char *pk, int64_t now, int64_t *id)
{
	db_stmt *s = db_prepare(c, SQL_UNIT_INSERT);
	if (s == NULL)
		return -1;
	db_bind_blob(s, 1, pk, TIP_PUBLIC_BYTES);
	db_bind_int(s, 2, TIP_DAY(now));
	if (db_step(s) != DB_ROW)
		return -1;
	*id = db_column_int(s, 0);
	return db_step(s) == DB_DONE ? 0 : -1;
}

int tip_keyring_init(db_conn *c, const config *cfg, int64_t officer_id, const char *password, int64_t now)
{
	tip_unit u = { 0 };
	int current = tip_unit_current(c, &u);
	if (current != 0)
		return current < 0 ? -1 : 1;
	unsigned char *officer_sk = tip_secret_new(), *unit_sk = tip_secret_new();
	unsigned char officer_pk[TIP_PUBLIC_BYTES], unit_pk[TIP_PUBLIC_BYTES];
	bool replaced = false;
	int rc = -1;
	if (officer_key_open_or_make(c, cfg, officer_id, password, officer_sk, officer_pk, &replaced) != 0)
		goto out;
	tip_keypair(unit_pk, unit_sk);
	int64_t id;
	if (db_begin_write(c) != 0) {
		tip_db_failed(c, "begin");
		goto out;
	}
	/* Another process may have made one meanwhile: then it wins. */
	current = tip_unit_current(c, &u);
	if (current != 0) {
		db_rollback(c);
		rc = current < 0 ? -1 : 1;
		goto out;
	}
	if (unit_insert(c, unit_pk, now, &id) != 0 || access_put(c, officer_id, officer_pk, id, unit_sk, 0, now) != 0 ||
	    db_commit(c) != 0) {
		tip_db_failed(c, "create unit key");
		goto out;
	}
	rc = replaced ? 2 : 0;
out:
	tip_secret_free(officer_sk);
	tip_secret_free(unit_sk);
	return rc;
}

int tip_officer_grant(db_conn *c, const tip_unit *u, int64_t officer_id, int64_t by, int64_t now)
{
	officer_key k;
	assert(u->sk != NULL);
	int found = officer_key_find(c, officer_id, &k);
	if (found <= 0)
		return found < 0 ? -1 : 1;
	if (db_begin_write(c) != 0)
		return tip_db_failed(c, "begin");
	if (access_put(c, officer_id, k.pk, u->id, u->sk, by, now) != 0 || db_commit(c) != 0)
		return tip_db_failed(c, "grant access");
	return 0;
}

int tip_officer_remove(db_conn *c, int64_t officer_id)
{
	if (db_begin_write(c) != 0)
		return tip_db_failed(c, "begin");
	db_stmt *s = db_prepare(c, SQL_ACCESS_HAS);
	if (s == NULL)
		return tip_db_failed(c, "remove officer");
	db_bind_int(s, 1, officer_id);
	if (db_step(s) != DB_ROW)
		return tip_db_failed(c, "remove officer");
	bool has_access = db_column_int(s, 0) > 0;
	if (db_step(s) != DB_DONE || (s = db_prepare(c, SQL_ACCESS_COUNT_OTHERS)) == NULL)
		return tip_db_failed(c, "remove officer");
	db_bind_int(s, 1, officer_id);
	if (db_step(s) != DB_ROW)
		return tip_db_failed(c, "remove officer");
	int64_t others = db_column_int(s, 0);
	if (db_step(s) != DB_DONE)
		return tip_db_failed(c, "remove officer");
	if (has_access && others == 0) {
		/* Nobody could ever read a tip again. */
		db_rollback(c);
		return 2;
	}
	if ((s = db_prepare(c, SQL_OFFICER_DELETE)) == NULL)
		return tip_db_failed(c, "remove officer");
	db_bind_int(s, 1, officer_id);
	if (db_step(s) != DB_DONE)
		return tip_db_failed(c, "remove officer");
	int64_t removed = db_changes(s);
	if ((s = db_prepare(c, SQL_SESSIONS_DELETE)) == NULL)
		return tip_db_failed(c, "remove officer");
	db_bind_int(s, 1, officer_id);
	if (db_step(s) != DB_DONE || db_commit(c) != 0)
		return tip_db_failed(c, "remove officer");
	return removed > 0 ? 0 : 1;
}

/* ---- rotation ---- */

/* One row to move to the new key: its id and sealed bytes (owned). */
typedef struct sealed_row {
	int64_t id;
	unsigned char *data;
	size_t len;
	char *file; /* attachments: the file's name */
} sealed_row;

typedef struct sealed_rows {
	sealed_row *rows;
	size_t count, cap;
} sealed_rows;

static void rows_free(sealed_rows *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->rows[i].data);
		free(l->rows[i].file);
	}
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

/* Reads every (id, sealed[, file]) row of sql for key_id into l. 0 or -1. */
static int rows_read(db_conn *c, const char *sql, int64_t key_id, bool with_file, sealed_rows *l)
{
	db_stmt *s = db_prepare(c, sql);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, key_id);
	int step;
	while ((step = db_step(s)) == DB_ROW) {
		if (l->count == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 16;
			l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
		}
		sealed_row *row = &l->rows[l->count++];
		size_t n = 0;
		const void *p = db_column_blob(s, with_file ? 2 : 1, &n);
		row->id = db_column_int(s, 0);
		row->data = xmalloc(n ? n : 1);
		if (p)
			memcpy(row->data, p, n);
		row->len = p ? n : 0;
		row->file = with_file ? xstrdup(db_column_text(s, 1) ? db_column_text(s, 1) : "") : NULL;
	}
	return step == DB_DONE ? 0 : -1;
}

/* Moves every row of table t sealed to old to the new key. 0 or -1. */
static int reseal_table(db_conn *c, const struct sealed_table *t, const tip_unit *old, const unsigned char *new_pk,
			int64_t new_id)
{
	sealed_rows l = { 0 };
	int rc = -1;
	if (rows_read(c, t->select_sql, old->id, false, &l) != 0)
		goto out;
	for (size_t i = 0; i < l.count; i++) {
		sealed_row *row = &l.rows[i];
		if (row->len < TIP_SEAL_BYTES)
			goto out;
		size_t plain_len = row->len - TIP_SEAL_BYTES;
		unsigned char *plain = sodium_malloc(plain_len + 1);
		unsigned char *sealed = xmalloc(row->len);
		if (plain == NULL)
			fatal("out of memory while rotating");
		int ok = tip_open(old->pk, old->sk, row->data, row->len, plain);
		if (ok == 0)
			tip_seal(new_pk, plain, plain_len, sealed);
		sodium_free(plain);
		db_stmt *s = ok == 0 ? db_prepare(c, t->update_sql) : NULL;
		if (s) {
			db_bind_blob(s, 1, sealed, row->len);
			db_bind_int(s, 2, new_id);
			db_bind_int(s, 3, row->id);
			ok = db_step(s) == DB_DONE ? 0 : -1;
		}
		free(sealed);
		if (s == NULL || ok != 0)
			goto out;
	}
	rc = 0;
out:
	rows_free(&l);
	return rc;
}

/* A new random file name for an attachment (32 hex characters), into out. */
static void attachment_name(char out[33])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, 33, raw, sizeof(raw));
}

/* Re-encrypts every attachment of old under a new file key sealed to the new
 * key. The new files' paths are added to made (remove them on failure), the
 * old ones to done (remove them after the commit). 0 or -1. */
static int rekey_attachments(db_conn *c, const config *cfg, const tip_unit *old, const unsigned char *new_pk,
			     int64_t new_id, buf *made, buf *done)
{
	sealed_rows l = { 0 };
	int rc = -1;
	unsigned char *old_key = tip_secret_new(), *new_key = tip_secret_new();
	if (rows_read(c, SQL_ATTACHMENTS_OF_KEY, old->id, true, &l) != 0)
		goto out;
	for (size_t i = 0; i < l.count; i++) {
		sealed_row *row = &l.rows[i];
		char name[33];
		unsigned char sealed[TIP_FILE_KEY_BYTES + TIP_SEAL_BYTES];
		if (row->len != sizeof(sealed) || tip_open(old->pk, old->sk, row->data, row->len, old_key) != 0)
			goto out;
		crypto_secretstream_xchacha20poly1305_keygen(new_key);
		attachment_name(name);
		buf from = BUF_INIT, to = BUF_INIT;
		buf_printf(&from, "%s/tips/%s", cfg->data_dir, row->file);
		buf_printf(&to, "%s/tips/%s", cfg->data_dir, name);
		int ok = tip_file_rekey(from.data, old_key, to.data, new_key);
		if (ok == 0) {
			buf_append(made, to.data, to.len + 1);
			buf_append(done, from.data, from.len + 1);
		}
		buf_free(&from);
		buf_free(&to);
		if (ok != 0)
			goto out;
		tip_seal(new_pk, new_key, TIP_FILE_KEY_BYTES, sealed);
		db_stmt *s = db_prepare(c, SQL_ATTACHMENT_REKEY);
		if (s == NULL)
			goto out;
		db_bind_text(s, 1, name);
		db_bind_blob(s, 2, sealed, sizeof(sealed));
		db_bind_int(s, 3, new_id);
		db_bind_int(s, 4, row->id);
		if (db_step(s) != DB_DONE)
			goto out;
	}
	rc = 0;
out:
	rows_free(&l);
	tip_secret_free(old_key);
	tip_secret_free(new_key);
	return rc;
}

/* Seals the new unit secret key to every officer who had access. 0 or -1. */
static int reseal_access(db_conn *c, const unsigned char *new_sk, int64_t new_id)
{
	sealed_rows l = { 0 };
	int rc = -1;
	db_stmt *s = db_prepare(c, SQL_ACCESS_ALL);
	if (s == NULL)
		return -1;
	int step;
	while ((step = db_step(s)) == DB_ROW) {
		if (l.count == l.cap) {
			l.cap = l.cap ? l.cap * 2 : 16;
			l.rows = xrealloc(l.rows, l.cap * sizeof(*l.rows));
		}
		sealed_row *row = &l.rows[l.count++];
		row->id = db_column_int(s, 0);
		row->data = xmalloc(TIP_PUBLIC_BYTES);
		row->len = TIP_PUBLIC_BYTES;
		row->file = NULL;
		if (tip_blob_copy(s, 1, row->data, TIP_PUBLIC_BYTES) != 0)
			row->len = 0;
	}
	if (step != DB_DONE)
		goto out;
	for (size_t i = 0; i < l.count; i++) {
		unsigned char sealed[TIP_SECRET_BYTES + TIP_SEAL_BYTES];
		if (l.rows[i].len != TIP_PUBLIC_BYTES)
			goto out;
		tip_seal(l.rows[i].data, new_sk, TIP_SECRET_BYTES, sealed);
		if ((s = db_prepare(c, SQL_ACCESS_RESEAL)) == NULL)
			goto out;
		db_bind_int(s, 1, new_id);
		db_bind_blob(s, 2, sealed, sizeof(sealed));
		db_bind_int(s, 3, l.rows[i].id);
		if (db_step(s) != DB_DONE)
			goto out;
	}
	rc = 0;
out:
	rows_free(&l);
	return rc;
}

/* Removes every file named in list (NUL-separated paths). */
static void unlink_all(const buf *list)
{
	for (size_t off = 0; off < list->len; off += strlen(list->data + off) + 1)
		unlink(list->data + off);
}

int tip_keyring_rotate(db_conn *c, const config *cfg, tip_unit *u, int64_t now)
{
	unsigned char *new_sk = tip_secret_new();
	unsigned char new_pk[TIP_PUBLIC_BYTES];
	buf made = BUF_INIT, done = BUF_INIT;
	tip_unit current = { 0 };
	int64_t new_id = 0;
	int rc = -1;
	assert(u->sk != NULL);
	tip_keypair(new_pk, new_sk);
	if (db_begin_write(c) != 0) {
		tip_db_failed(c, "begin");
		goto out;
	}
	if (tip_unit_current(c, &current) != 1 || current.id != u->id) {
		db_rollback(c);
		rc = 1;
		goto out;
	}
	if (unit_insert(c, new_pk, now, &new_id) != 0)
		goto fail;
	for (size_t i = 0; i < ARRAY_LEN(sealed_tables); i++)
		if (reseal_table(c, &sealed_tables[i], u, new_pk, new_id) != 0)
			goto fail;
	if (rekey_attachments(c, cfg, u, new_pk, new_id, &made, &done) != 0 || reseal_access(c, new_sk, new_id) != 0)
		goto fail;
	db_stmt *s = db_prepare(c, SQL_UNIT_DELETE);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, u->id);
	/* Fails when something new was sealed to the old key meanwhile: nothing changes then. */
	if (db_step(s) != DB_DONE || db_commit(c) != 0)
		goto fail;
	unlink_all(&done);
	tip_unit_release(u);
	u->id = new_id;
	memcpy(u->pk, new_pk, sizeof(new_pk));
	u->sk = new_sk;
	new_sk = NULL;
	rc = 0;
	goto out;
fail:
	tip_db_failed(c, "rotate");
	unlink_all(&made);
out:
	tip_secret_free(new_sk);
	buf_free(&made);
	buf_free(&done);
	return rc;
}

/* ---- the access page's list ---- */

int tip_officers_each(db_conn *c, int (*fn)(void *ud, const tip_officer *o), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_OFFICERS);
	if (s == NULL)
		return -1;
	int step;
	bool stopped = false;
	while ((step = db_step(s)) == DB_ROW) {
		if (stopped)
			continue;
		tip_officer o = { 0 };
		unsigned char pk[TIP_PUBLIC_BYTES];
		o.user_id = db_column_int(s, 0);
		o.email = db_column_text(s, 1) ? db_column_text(s, 1) : "";
		o.name = db_column_text(s, 2) ? db_column_text(s, 2) : "";
		o.is_officer = (db_column_int(s, 3) & ROLE_POLIS) != 0;
		o.has_access = !db_column_is_null(s, 5);
		o.granted_at = o.has_access ? db_column_int(s, 5) : 0;
		if (tip_blob_copy(s, 4, pk, sizeof(pk)) == 0)
			tip_fingerprint(pk, o.fingerprint);
		stopped = fn(ud, &o) != 0;
	}
	return step == DB_DONE ? 0 : -1;
}

int tip_officer_fingerprint(db_conn *c, int64_t user_id, char out[TIP_FINGERPRINT_CHARS + 1])
{
	officer_key k;
	int found = officer_key_find(c, user_id, &k);
	if (found == 1)
		tip_fingerprint(k.pk, out);
	return found;
}
