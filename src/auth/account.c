/*
 * account.c — staff accounts: creating them, checking e-mail addresses,
 * names and passwords against the policy, hashing and verifying passwords
 * with argon2id, and changing password, name, roles and the disabled flag
 * (see auth.h).
 *
 * E-mail addresses are kept in lower case, so a person cannot get two
 * accounts by writing their address differently. A password is at least
 * ACCOUNT_PASSWORD_MIN_CHARS characters and not the address itself; no other
 * composition rules (NIST SP 800-63B). What this file does not do: sessions
 * (session.c) or counting failed logins (throttle.c).
 */
#include "auth/auth.h"
#include "core/util.h"
#include "web/web.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *const account_problem_text[ACCOUNT__MAX] = {
	[ACCOUNT_OK] = "",
	[ACCOUNT_EMAIL_MISSING] = N_("Fyll i en e-postadress."),
	[ACCOUNT_EMAIL_INVALID] = N_("E-postadressen ser inte ut att vara giltig. Skriv den som namn@exempel.se."),
	[ACCOUNT_EMAIL_TAKEN] = N_("Det finns redan ett konto med den e-postadressen."),
	[ACCOUNT_NAME_INVALID] = N_("Namnet får vara högst 200 tecken och inte innehålla radbrytningar."),
	[ACCOUNT_PASSWORD_SHORT] = N_("Lösenordet måste vara minst 12 tecken långt."),
	[ACCOUNT_PASSWORD_LONG] = N_("Lösenordet får vara högst 1000 tecken långt."),
	[ACCOUNT_PASSWORD_IS_EMAIL] = N_("Lösenordet får inte vara din e-postadress."),
	[ACCOUNT_NOT_FOUND] = N_("Kontot finns inte."),
	[ACCOUNT_DB_ERROR] = N_("Ett tekniskt fel uppstod. Försök igen om en stund."),
};

#define ACCOUNT_COLUMNS "id, email, name, roles, disabled, must_change_password, created_at, password_changed_at"

static const char SQL_INSERT[] =
	"INSERT INTO users (email, name, password_hash, roles, disabled, must_change_password,"
	" created_at, updated_at, password_changed_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING id";
static const char SQL_ALL[] = "SELECT " ACCOUNT_COLUMNS " FROM users ORDER BY email";
static const char SQL_BY_EMAIL[] = "SELECT " ACCOUNT_COLUMNS ", password_hash FROM users WHERE email = ?";
static const char SQL_BY_ID[] = "SELECT " ACCOUNT_COLUMNS ", password_hash FROM users WHERE id = ?";
static const char SQL_SET_HASH[] = "UPDATE users SET password_hash = ? WHERE id = ?";
static const char SQL_SET_PASSWORD[] =
	"UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ?"
	" WHERE id = ?";
static const char SQL_UPDATE[] = "UPDATE users SET name = ?, roles = ?, updated_at = ? WHERE id = ?";
static const char SQL_SET_DISABLED[] = "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?";

/* Letters and digits that cannot be mistaken for one another when read aloud
 * or copied from a screen: no 0/O/o, 1/l/I, 5/S or 2/Z. */
static const char PASSWORD_ALPHABET[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRTUVWXY346789";

/* ---- checks ---- */

char *account_normalise_email(arena *a, const char *email)
{
	const char *start = email ? email : "";
	while (isspace((unsigned char)*start))
		start++;
	size_t len = strlen(start);
	while (len > 0 && isspace((unsigned char)start[len - 1]))
		len--;
	char *out = arena_strndup(a, start, len);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

/* Characters allowed in the part before '@' (RFC 5322 dot-atom, ASCII only). */
static bool email_local_char(char ch)
{
	return isalnum((unsigned char)ch) || (ch && strchr("!#$%&'*+-/=?^_`{|}~.", ch) != NULL);
}

enum account_problem account_check_email(const char *email)
{
	if (email == NULL || *email == '\0')
		return ACCOUNT_EMAIL_MISSING;
	size_t len = strlen(email);
	const char *at = strchr(email, '@');
	if (len > ACCOUNT_EMAIL_MAX_BYTES || at == NULL || at == email || strchr(at + 1, '@') != NULL)
		return ACCOUNT_EMAIL_INVALID;
	for (const char *p = email; p < at; p++)
		if (!email_local_char(*p))
			return ACCOUNT_EMAIL_INVALID;
	if (email[0] == '.' || at[-1] == '.' || strstr(email, "..") != NULL)
		return ACCOUNT_EMAIL_INVALID;
	/* The domain: labels of letters, digits and hyphens, at least two of them. */
	const char *domain = at + 1;
	size_t label = 0;
	bool dot = false;
	for (const char *p = domain; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return ACCOUNT_EMAIL_INVALID;
			dot = true;
			label = 0;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			label++;
		} else {
			return ACCOUNT_EMAIL_INVALID;
		}
	}
	if (!dot || label == 0 || domain[strlen(domain) - 1] == '-')
		return ACCOUNT_EMAIL_INVALID;
	return ACCOUNT_OK;
}

/* The number of characters (code points) in valid UTF-8 text. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80) /* not a continuation byte */
			n++;
	return n;
}

enum account_problem account_check_name(const char *name)
{
	if (name == NULL)
		return ACCOUNT_OK;
	if (!str_valid_utf8(name, strlen(name)) || utf8_chars(name) > ACCOUNT_NAME_MAX_CHARS)
		return ACCOUNT_NAME_INVALID;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ACCOUNT_NAME_INVALID;
	return ACCOUNT_OK;
}

enum account_problem account_check_password(const char *password, const char *email)
{
	if (password == NULL || utf8_chars(password) < ACCOUNT_PASSWORD_MIN_CHARS)
		return ACCOUNT_PASSWORD_SHORT;
	if (utf8_chars(password) > ACCOUNT_PASSWORD_MAX_CHARS)
		return ACCOUNT_PASSWORD_LONG;
	if (email && strcasecmp(password, email) == 0)
		return ACCOUNT_PASSWORD_IS_EMAIL;
	return ACCOUNT_OK;
}

char *account_generate_password(void)
{
	char *out = xmalloc(ACCOUNT_GENERATED_PASSWORD_CHARS + 1);
	for (size_t i = 0; i < ACCOUNT_GENERATED_PASSWORD_CHARS; i++)
		out[i] = PASSWORD_ALPHABET[randombytes_uniform(sizeof(PASSWORD_ALPHABET) - 1)];
	out[ACCOUNT_GENERATED_PASSWORD_CHARS] = '\0';
	return out;
}

/* Hashes password with the configured argon2id cost. 0, or -1 when libsodium
 * cannot get the memory. */
static int password_hash(const config *cfg, const char *password, char hash[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str_alg(hash, password, strlen(password), cfg->password_opslimit,
				     (size_t)cfg->password_memlimit, crypto_pwhash_ALG_ARGON2ID13);
}

/* ---- reading ---- */

/* Fills *out from a row of ACCOUNT_COLUMNS. With a, the strings are copied
 * into it; without, they point into the row. */
static void account_from_row(db_stmt *s, arena *a, account *out)
{
	const char *email = db_column_text(s, 1), *name = db_column_text(s, 2);
	out->id = db_column_int(s, 0);
	out->email = a ? arena_strdup(a, email ? email : "") : email ? email : "";
	out->name = a ? arena_strdup(a, name ? name : "") : name ? name : "";
	out->roles = (unsigned)db_column_int(s, 3);
	out->disabled = db_column_int(s, 4) != 0;
	out->must_change_password = db_column_int(s, 5) != 0;
	out->created_at = db_column_int(s, 6);
	out->password_changed_at = db_column_int(s, 7);
}

/* Runs a prepared SELECT … WHERE key = ? (key bound by the caller) of one
 * account. Returns 1 with *out (and *hash, in a, when hash is not NULL),
 * 0 when there is no row, -1 on error. Runs the statement to its end, so no
 * read stays open on the connection. */
static int account_fetch(db_stmt *s, arena *a, account *out, const char **hash)
{
	int step = db_step(s);
	if (step != DB_ROW)
		return step == DB_DONE ? 0 : -1;
	account_from_row(s, a, out);
	if (hash) {
		const char *h = db_column_text(s, 8);
		*hash = arena_strdup(a, h ? h : "");
	}
	return db_step(s) == DB_DONE ? 1 : -1;
}

int account_find_by_email(db_conn *c, arena *a, const char *email, account *out)
{
	db_stmt *s = db_prepare(c, SQL_BY_EMAIL);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, email);
	return account_fetch(s, a, out, NULL);
}

int account_find_by_id(db_conn *c, arena *a, int64_t id, account *out)
{
	db_stmt *s = db_prepare(c, SQL_BY_ID);
	if (s == NULL)
		return -1;
	db_bind_int(s, 1, id);
	return account_fetch(s, a, out, NULL);
}

int account_each(db_conn *c, int (*fn)(void *ud, const account *acc), void *ud)
{
	db_stmt *s = db_prepare(c, SQL_ALL);
	if (s == NULL)
		return -1;
	int step;
	while ((step = db_step(s)) == DB_ROW) {
		account acc;
		account_from_row(s, NULL, &acc);
		if (fn(ud, &acc) != 0) {
			/* Run to the end so that the statement does not stay open. */
			while ((step = db_step(s)) == DB_ROW)
				;
			break;
		}
	}
	return step == DB_DONE ? 0 : -1;
}

void account_roles_text(buf *b, unsigned roles)
{
	bool first = true;
	for (int i = 0; i < ROLE__MAX; i++) {
		if (roles & (1u << i)) {
			buf_printf(b, "%s%s", first ? "" : ",", role_names[i]);
			first = false;
		}
	}
}

static int print_account(void *ud, const account *acc)
{
	FILE *out = ud;
	buf roles = BUF_INIT;
	account_roles_text(&roles, acc->roles);
	fprintf(out, "%lld\t%s\t%s\t%s\t%s\n", (long long)acc->id, acc->email, acc->name, buf_cstr(&roles),
		acc->disabled ? "disabled" : "active");
	buf_free(&roles);
	return 0;
}

int account_list_print(db_conn *c, FILE *out)
{
	fprintf(out, "id\temail\tname\troles\tstate\n");
	return account_each(c, print_account, out);
}

/* ---- writing ---- */

/* Runs a prepared statement that returns no rows. 0 or -1. */
static int exec_done(db_stmt *s)
{
	return s != NULL && db_step(s) == DB_DONE ? 0 : -1;
}

int64_t account_insert(db_conn *c, const config *cfg, const char *email, const char *name,
		       unsigned roles, const char *password, char **generated,
		       enum account_problem *problem)
{
	arena *a = arena_new();
	char hash[crypto_pwhash_STRBYTES];
	char *made = NULL;
	int64_t id = -1, now = (int64_t)time(NULL);
	bool in_transaction = false;
	db_stmt *s;
	const char *mail = account_normalise_email(a, email);
	const char *person = name ? name : "";

	*problem = account_check_email(mail);
	if (*problem == ACCOUNT_OK)
		*problem = account_check_name(person);
	if (*problem == ACCOUNT_OK && password)
		*problem = account_check_password(password, mail);
	if (*problem != ACCOUNT_OK)
		goto out;
	*problem = ACCOUNT_DB_ERROR;
	if (password == NULL)
		password = made = account_generate_password();
	if (password_hash(cfg, password, hash) != 0)
		goto out;

	if (db_begin_write(c) != 0)
		goto out;
	in_transaction = true;
	s = db_prepare(c, SQL_INSERT);
	if (s == NULL)
		goto out;
	db_bind_text(s, 1, mail);
	db_bind_text(s, 2, person);
	db_bind_text(s, 3, hash);
	db_bind_int(s, 4, (int64_t)roles);
	/* Whoever made the password up knows it, so the owner must replace it. */
	db_bind_int(s, 5, made != NULL);
	db_bind_int(s, 6, now);
	db_bind_int(s, 7, now);
	db_bind_int(s, 8, now);
	if (db_step(s) != DB_ROW) {
		if (db_error_is_conflict(c))
			*problem = ACCOUNT_EMAIL_TAKEN;
		goto out;
	}
	int64_t new_id = db_column_int(s, 0);
	if (db_step(s) != DB_DONE || db_commit(c) != 0)
		goto out;
	in_transaction = false;
	id = new_id;
	*problem = ACCOUNT_OK;
	if (generated) {
		*generated = made;
		made = NULL;
	}
out:
	if (in_transaction)
		db_rollback(c);
	sodium_memzero(hash, sizeof(hash));
	if (made)
		sodium_memzero(made, strlen(made));
	free(made);
	arena_free(a);
	return id;
}

int64_t account_create(db_conn *c, const config *cfg, const char *email, const char *name,
		       unsigned roles, const char *password, char **generated, char **err)
{
	enum account_problem problem;
	int64_t id = account_insert(c, cfg, email, name, roles, password, generated, &problem);
	*err = NULL;
	if (id < 0) {
		buf e = BUF_INIT;
		if (problem == ACCOUNT_DB_ERROR)
			buf_printf(&e, "database error: %s", db_errmsg(c));
		else
			buf_puts(&e, account_problem_text[problem]);
		*err = buf_detach(&e);
	}
	return id;
}

int account_verify_password(db_conn *c, const config *cfg, arena *a, const char *email,
			    const char *password, account *out)
{
	const char *hash = NULL;
	memset(out, 0, sizeof(*out));
	db_stmt *s = db_prepare(c, SQL_BY_EMAIL);
	if (s == NULL)
		return -1;
	db_bind_text(s, 1, email);
	int found = account_fetch(s, a, out, &hash);
	if (found < 0)
		return -1;
	size_t len = strlen(password);
	if (found == 0) {
		/* No such account: spend the time a check would take, so that the
		 * answer's timing does not tell which addresses have accounts. */
		char dummy[crypto_pwhash_STRBYTES];
		(void)password_hash(cfg, password, dummy);
		return 0;
	}
	if (crypto_pwhash_str_verify(hash, password, len) != 0 || out->disabled)
		return 0;
	if (crypto_pwhash_str_needs_rehash(hash, cfg->password_opslimit, (size_t)cfg->password_memlimit) != 0) {
		char fresh[crypto_pwhash_STRBYTES];
		if (password_hash(cfg, password, fresh) == 0 && db_begin_write(c) == 0) {
			s = db_prepare(c, SQL_SET_HASH);
			if (s) {
				db_bind_text(s, 1, fresh);
				db_bind_int(s, 2, out->id);
			}
			/* A failed upgrade is not a failed login; the old hash still works. */
			if (exec_done(s) != 0 || db_commit(c) != 0) {
				fprintf(stderr, "trygg: password rehash failed: %s\n", db_errmsg(c));
				db_rollback(c);
			}
		}
		sodium_memzero(fresh, sizeof(fresh));
	}
	return 1;
}

int account_set_password(db_conn *c, const config *cfg, int64_t id, const char *password,
			 bool must_change, const char *keep_token, enum account_problem *problem)
{
	arena *a = arena_new();
	char hash[crypto_pwhash_STRBYTES] = "";
	bool in_transaction = false;
	int rc = -1;
	int64_t now = (int64_t)time(NULL);
	db_stmt *s;
	account acc;

	int found = account_find_by_id(c, a, id, &acc);
	*problem = found < 0 ? ACCOUNT_DB_ERROR : found == 0 ? ACCOUNT_NOT_FOUND : account_check_password(password, acc.email);
	if (*problem != ACCOUNT_OK)
		goto out;
	*problem = ACCOUNT_DB_ERROR;
	if (password_hash(cfg, password, hash) != 0)
		goto out;
	if (db_begin_write(c) != 0)
		goto out;
	in_transaction = true;
	s = db_prepare(c, SQL_SET_PASSWORD);
	if (s == NULL)
		goto out;
	db_bind_text(s, 1, hash);
	db_bind_int(s, 2, must_change);
	db_bind_int(s, 3, now);
	db_bind_int(s, 4, now);
	db_bind_int(s, 5, id);
	if (exec_done(s) != 0 || session_delete_for_user(c, id, keep_token) != 0 || db_commit(c) != 0)
		goto out;
	in_transaction = false;
	*problem = ACCOUNT_OK;
	rc = 0;
out:
	if (in_transaction)
		db_rollback(c);
	sodium_memzero(hash, sizeof(hash));
	arena_free(a);
	return rc;
}

/* Runs the prepared, bound UPDATE s of one account in a write transaction,
 * then, when end_sessions, deletes the account's sessions. 0, or -1 with
 * *problem (_NOT_FOUND when no row changed). */
static int account_write(db_conn *c, db_stmt *s, int64_t id, bool end_sessions, enum account_problem *problem)
{
	*problem = ACCOUNT_DB_ERROR;
	if (s == NULL || db_step(s) != DB_DONE)
		goto fail;
	if (db_changes(s) == 0) {
		*problem = ACCOUNT_NOT_FOUND;
		goto fail;
	}
	if (end_sessions && session_delete_for_user(c, id, NULL) != 0)
		goto fail;
	if (db_commit(c) != 0)
		return -1;
	*problem = ACCOUNT_OK;
	return 0;
fail:
	db_rollback(c);
	return -1;
}

int account_update(db_conn *c, int64_t id, const char *name, unsigned roles, enum account_problem *problem)
{
	*problem = account_check_name(name);
	if (*problem != ACCOUNT_OK)
		return -1;
	*problem = ACCOUNT_DB_ERROR;
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_UPDATE);
	if (s) {
		db_bind_text(s, 1, name ? name : "");
		db_bind_int(s, 2, (int64_t)roles);
		db_bind_int(s, 3, (int64_t)time(NULL));
		db_bind_int(s, 4, id);
	}
	return account_write(c, s, id, false, problem);
}

int account_set_disabled(db_conn *c, int64_t id, bool disabled, enum account_problem *problem)
{
	*problem = ACCOUNT_DB_ERROR;
	if (db_begin_write(c) != 0)
		return -1;
	db_stmt *s = db_prepare(c, SQL_SET_DISABLED);
	if (s) {
		db_bind_int(s, 1, disabled);
		db_bind_int(s, 2, (int64_t)time(NULL));
		db_bind_int(s, 3, id);
	}
	return account_write(c, s, id, disabled, problem);
}
