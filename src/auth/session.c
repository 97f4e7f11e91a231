/*
 * session.c — login sessions (see auth.h).
 *
 * A session is named by a token of SESSION_TOKEN_BYTES random bytes, sent to
 * the browser base64url-encoded in the cookie "trygg" ("__Host-trygg" over
 * https). The database keeps only the BLAKE2b hash of the token (hex) as
 * sessions.id, so reading the database does not give anyone a session.
 * A session ends when idle for cfg->session_idle_minutes, at its absolute
 * expiry (cfg->session_absolute_hours after login), at logout, when its
 * account is disabled, and — except the one in use — when the password
 * changes. Every login gets a new token, so a token planted before login
 * (session fixation) is worth nothing.
 */
#include "auth/auth.h"
#include "core/util.h"
#include "web/web.h"

#include <sodium.h>
#include <string.h>

#define SESSION_COOKIE "trygg"
#define SESSION_TOKEN_BYTES 32
#define SESSION_TOKEN_CHARS (sodium_base64_ENCODED_LEN(SESSION_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1)
#define SESSION_ID_BYTES crypto_generichash_BYTES
/* last_seen_at is written at most this often, so that reading pages does not
 * turn every request into a write. */
#define SESSION_TOUCH_SECONDS 60

static const char SQL_FIND[] =
	"SELECT s.user_id, s.last_seen_at, s.expires_at, u.email, u.name, u.roles, u.disabled,"
	" u.must_change_password FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?";
static const char SQL_TOUCH[] = "UPDATE sessions SET last_seen_at = ? WHERE id = ?";
static const char SQL_INSERT[] =
	"INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)";
static const char SQL_DELETE[] = "DELETE FROM sessions WHERE id = ?";
static const char SQL_DELETE_EXPIRED[] = "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?";
static const char SQL_DELETE_USER[] = "DELETE FROM sessions WHERE user_id = ?";
static const char SQL_DELETE_USER_EXCEPT[] = "DELETE FROM sessions WHERE user_id = ? AND id <> ?";

_Static_assert(SESSION_DB_ID_CHARS == SESSION_ID_BYTES * 2, "SESSION_DB_ID_CHARS is the hex of the hash");

void session_db_id(const char *token, char id[SESSION_DB_ID_CHARS + 1])
{
	unsigned char hash[SESSION_ID_BYTES];
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(id, SESSION_ID_BYTES * 2 + 1, hash, sizeof(hash));
}

/* True when token has the length and alphabet of the tokens we hand out. */
static bool session_token_well_formed(const char *token)
{
	if (strlen(token) != SESSION_TOKEN_CHARS)
		return false;
	for (const char *p = token; *p; p++)
		if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-' &&
		    *p != '_')
			return false;
	return true;
}

/* Runs one prepared, bound statement that changes rows, in its own write
 * transaction. 0 or -1. */
static int session_write(db_conn *c, const char *sql, const char *id, int64_t value, bool with_value)
{
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, sql);
	if (s == NULL)
		goto fail;
	if (with_value) {
		db_bind_int(s, 1, value);
		db_bind_text(s, 2, id);
	} else {
		db_bind_text(s, 1, id);
	}
	if (db_step(s) != DB_DONE)
		goto fail;
	return db_commit(c);
fail:
	db_rollback(c);
	return -1;
}

int session_find(db_conn *c, const config *cfg, arena *a, const char *token, int64_t now,
		 struct web_user **user)
{
	char id[SESSION_ID_BYTES * 2 + 1];
	*user = NULL;
	if (token == NULL || !session_token_well_formed(token))
		return 0;
	session_db_id(token, id);
	db_stmt *s = db_prepare(c, SQL_FIND);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, id);
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	web_user *u = arena_alloc(a, sizeof(*u));
	const char *email = db_column_text(s, 3), *name = db_column_text(s, 4);
	u->id = db_column_int(s, 0);
	int64_t last_seen = db_column_int(s, 1), expires = db_column_int(s, 2);
	u->email = arena_strdup(a, email ? email : "");
	u->name = arena_strdup(a, name ? name : "");
	u->roles = (unsigned)db_column_int(s, 5);
	bool disabled = db_column_int(s, 6) != 0;
	u->must_change_password = db_column_int(s, 7) != 0;
	/* Finish the read before any write on this connection. */
	if (db_step(s) != DB_DONE)
		return -1;

	if (disabled || now >= expires || now - last_seen >= (int64_t)cfg->session_idle_minutes * 60)
		return session_write(c, SQL_DELETE, id, 0, false);
	if (now - last_seen >= SESSION_TOUCH_SECONDS && session_write(c, SQL_TOUCH, id, now, true) != 0)
		return -1;
	*user = u;
	return 0;
}

int auth_load_session(http_req *r, struct web_state *w)
{
	const char *token = http_cookie(r, web_cookie_name(r, SESSION_COOKIE));
	web_user *u = NULL;
	if (token == NULL || *token == '\0')
		return 0;
	if (session_find(w->db, web_app(r)->cfg, r->arena, token, web_now(), &u) != 0)
		return -1;
	if (u == NULL) {
		/* Expired or unknown: the browser may forget the cookie. */
		session_set_cookie(r, NULL);
		return 0;
	}
	w->user = u;
	w->session_token = token;
	return 0;
}

const char *session_create(db_conn *c, const config *cfg, arena *a, int64_t user_id, int64_t now)
{
	unsigned char raw[SESSION_TOKEN_BYTES];
	char token[SESSION_TOKEN_CHARS + 1];
	char id[SESSION_ID_BYTES * 2 + 1];
	const char *result = NULL;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, sizeof(token), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	session_db_id(token, id);
	if (db_begin_write(c) != 0)
		goto out;
	/* Housekeeping while the write lock is held anyway. */
	db_stmt *s = db_prepare(c, SQL_DELETE_EXPIRED);
	if (s == NULL)
		goto fail;
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, now - (int64_t)cfg->session_idle_minutes * 60);
	if (db_step(s) != DB_DONE)
		goto fail;
	s = db_prepare(c, SQL_INSERT);
	if (s == NULL)
		goto fail;
	db_bind_text(s, 1, id);
	db_bind_int(s, 2, user_id);
	db_bind_int(s, 3, now);
	db_bind_int(s, 4, now);
	db_bind_int(s, 5, now + (int64_t)cfg->session_absolute_hours * 3600);
	if (db_step(s) != DB_DONE)
		goto fail;
	if (db_commit(c) != 0)
		goto out;
	result = arena_strdup(a, token);
	goto out;
fail:
	db_rollback(c);
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(token, sizeof(token));
	return result;
}

int session_destroy(db_conn *c, const char *token)
{
	char id[SESSION_ID_BYTES * 2 + 1];
	session_db_id(token, id);
	return session_write(c, SQL_DELETE, id, 0, false);
}

int session_delete_for_user(db_conn *c, int64_t user_id, const char *keep_token)
{
	char id[SESSION_ID_BYTES * 2 + 1];
	db_stmt *s = db_prepare(c, keep_token ? SQL_DELETE_USER_EXCEPT : SQL_DELETE_USER);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, user_id);
	if (keep_token) {
		session_db_id(keep_token, id);
		db_bind_text(s, 2, id);
	}
	return db_step(s) == DB_DONE ? 0 : -1;
}

void session_set_cookie(http_req *r, const char *token)
{
	/* A browser-session cookie; the server enforces the real lifetime. */
	http_set_cookie(r, web_cookie_name(r, SESSION_COOKIE), token ? token : "", token ? -1 : 0);
}
