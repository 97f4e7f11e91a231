/*
 * auth.h — staff accounts, login sessions, login throttling and the audit log.
 *
 * Passwords are hashed with argon2id (libsodium). A login session is a random
 * token in a cookie; the database keeps only its hash, so a copy of the
 * database does not let anyone in. Sessions expire when idle and after an
 * absolute lifetime. Failed logins are counted per account and per (hashed)
 * address, and logins are refused for a while past the limit.
 *
 * Files: account.c (accounts and passwords), session.c (login sessions),
 * throttle.c (failed-login counting), audit.c (the audit log), pages.c (the
 * login, password and administration pages).
 */
#ifndef TRYGG_AUTH_AUTH_H
#define TRYGG_AUTH_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"

struct web_state;
struct web_user;

/* ---- accounts (account.c) ---- */

/* What can be wrong with an account's details; account_problem_text[] holds
 * the Swedish message for each (translate it with T()). */
enum account_problem {
	ACCOUNT_OK,
	ACCOUNT_EMAIL_MISSING,
	ACCOUNT_EMAIL_INVALID,
	ACCOUNT_EMAIL_TAKEN,
	ACCOUNT_NAME_INVALID,
	ACCOUNT_PASSWORD_SHORT,
	ACCOUNT_PASSWORD_LONG,
	ACCOUNT_PASSWORD_IS_EMAIL,
	ACCOUNT_NOT_FOUND,
	ACCOUNT_DB_ERROR,
	ACCOUNT__MAX
};
extern const char *const account_problem_text[ACCOUNT__MAX];

#define ACCOUNT_PASSWORD_MIN_CHARS 12
#define ACCOUNT_PASSWORD_MAX_CHARS 1000
#define ACCOUNT_GENERATED_PASSWORD_CHARS 20
#define ACCOUNT_EMAIL_MAX_BYTES 254
#define ACCOUNT_NAME_MAX_CHARS 200

/* One staff account as read from the database (strings owned by an arena). */
typedef struct account {
	int64_t id;
	const char *email;
	const char *name;
	unsigned roles;
	bool disabled;
	bool must_change_password;
	int64_t created_at;
	int64_t password_changed_at;
} account;

/* Returns the e-mail address trimmed and in lower case, in a. Never NULL. */
char *account_normalise_email(arena *a, const char *email);
/* Checks a normalised e-mail address: ACCOUNT_OK, _MISSING or _INVALID. */
enum account_problem account_check_email(const char *email);
/* Checks a display name (may be empty): ACCOUNT_OK or ACCOUNT_NAME_INVALID. */
enum account_problem account_check_name(const char *name);
/* Checks a password against the policy for the account with that (normalised)
 * e-mail: ACCOUNT_OK, _PASSWORD_SHORT, _PASSWORD_LONG or _PASSWORD_IS_EMAIL. */
enum account_problem account_check_password(const char *password, const char *email);
/* Returns a new random password of ACCOUNT_GENERATED_PASSWORD_CHARS characters
 * from an alphabet without look-alikes (0/O, 1/l/I). Caller frees. */
char *account_generate_password(void);

/* Creates a staff account. password NULL generates one, returned in
 * *generated (caller frees). Returns the new id, or -1 with *err (caller frees):
 * the address is taken, the address or password is not acceptable. */
int64_t account_create(db_conn *c, const config *cfg, const char *email, const char *name,
		       unsigned roles, const char *password, char **generated, char **err);
/* As account_create, but reports what was wrong as *problem, for forms that
 * point at the field. A generated password must be changed at first login. */
int64_t account_insert(db_conn *c, const config *cfg, const char *email, const char *name,
		       unsigned roles, const char *password, char **generated,
		       enum account_problem *problem);

/* Prints every account (id, e-mail, name, roles, disabled) to out. 0 or -1. */
int account_list_print(db_conn *c, FILE *out);
/* Calls fn for every account, ordered by e-mail; fn returns 0 to go on.
 * The account's strings are valid only during the call. 0 or -1. */
int account_each(db_conn *c, int (*fn)(void *ud, const account *acc), void *ud);

/* Looks an account up. Returns 1 and fills *out (strings in a), 0 when there
 * is no such account, -1 on a database error. */
int account_find_by_email(db_conn *c, arena *a, const char *email, account *out);
int account_find_by_id(db_conn *c, arena *a, int64_t id, account *out);

/* Checks a login: returns 1 when email names an enabled account whose
 * password is password, 0 otherwise (unknown, wrong, disabled: all take the
 * same time), -1 on a database error. *out is filled (strings in a) whenever
 * the account exists, else zeroed. Upgrades the stored hash when the
 * configured cost has changed. */
int account_verify_password(db_conn *c, const config *cfg, arena *a, const char *email,
			    const char *password, account *out);
/* Sets a new password (checked against the policy) and whether it must be
 * changed at the next login, and ends the account's login sessions except the
 * one of keep_token (NULL ends all). Returns 0, or -1 with *problem. */
int account_set_password(db_conn *c, const config *cfg, int64_t id, const char *password,
			 bool must_change, const char *keep_token, enum account_problem *problem);
/* Sets name and roles. Returns 0, or -1 with *problem (_NAME_INVALID, _NOT_FOUND, _DB_ERROR). */
int account_update(db_conn *c, int64_t id, const char *name, unsigned roles, enum account_problem *problem);
/* Disables (ending every login session) or enables an account. 0, or -1 with *problem. */
int account_set_disabled(db_conn *c, int64_t id, bool disabled, enum account_problem *problem);

/* Writes the role names of mask, comma separated ("polis,admin"), to b. */
void account_roles_text(buf *b, unsigned roles);

/* ---- login sessions (session.c) ---- */

/* Loads the login session named by the request's session cookie into w
 * (w->user, w->session_token), enforcing idle and absolute expiry.
 * Returns 0 (logged in or not), -1 on a database error. */
int auth_load_session(http_req *r, struct web_state *w);

/* Looks up the session of token at time now: returns 0 with *user set (in a)
 * when it is valid, or NULL when there is none, it has expired (it is then
 * deleted) or its account is disabled; -1 on a database error. Records the
 * time of use at most once a minute. */
int session_find(db_conn *c, const config *cfg, arena *a, const char *token, int64_t now,
		 struct web_user **user);
/* Starts a login session for user_id. Returns the new token (in a), or NULL on
 * a database error. Also removes every session that has expired. */
const char *session_create(db_conn *c, const config *cfg, arena *a, int64_t user_id, int64_t now);
/* Ends the session of token. 0 or -1. */
int session_destroy(db_conn *c, const char *token);
/* Deletes the sessions of user_id except that of keep_token (NULL: all). Runs
 * inside the caller's write transaction. 0 or -1. */
int session_delete_for_user(db_conn *c, int64_t user_id, const char *keep_token);
/* Sets the session cookie on the response (value NULL deletes it). */
void session_set_cookie(http_req *r, const char *token);
/* The database name of a session token (sessions.id: hex BLAKE2b of the token),
 * for features that keep rows that end with the session. */
#define SESSION_DB_ID_CHARS 64
void session_db_id(const char *token, char id[SESSION_DB_ID_CHARS + 1]);

/* Hooks for features that keep secrets wrapped by a staff member's password
 * (src/tips/). main.c sets them once before serving; NULL members are skipped.
 * They run after the login or change has succeeded; what they do cannot undo
 * it, and they report their own failures.
 *   login            a new login session (token) of acc, whose password was just checked;
 *   password_changed the logged-in user changed their own password from old to fresh. */
typedef struct auth_hooks {
	void (*login)(http_req *r, const account *acc, const char *session_token, const char *password);
	void (*password_changed)(http_req *r, int64_t user_id, const char *old_password, const char *fresh_password);
} auth_hooks;
extern auth_hooks auth_password_hooks;

/* ---- login throttling (throttle.c) ---- */

/* Throttle keys: 'account:' + normalised e-mail, 'address:' + keyed hash. In a. */
const char *throttle_account_key(arena *a, const char *email);
/* Returns 1 when logins under key are refused at time now (setting *until
 * when until is not NULL), 0 when not, -1 on a database error. */
int throttle_locked(db_conn *c, const char *key, int64_t now, int64_t *until);
/* Counts one failed login under key. More than cfg->login_max_failures within
 * cfg->login_window_minutes locks the key for the rest of the window.
 * Returns 1 when the key is now locked, 0 when not, -1 on a database error. */
int throttle_register_failure(db_conn *c, const config *cfg, const char *key, int64_t now);
/* Forgets the failures counted under key (after a successful login). 0 or -1. */
int throttle_clear(db_conn *c, const char *key);

/* ---- audit log (audit.c) ---- */

/* Writes one audit entry. user_id 0 means the system. 0 or -1.
 * Opens its own write transaction, so it is called outside of one. */
int audit_write(db_conn *c, int64_t user_id, const char *action, const char *object, const char *detail);

/* One entry as the reader sees it (strings valid only during the callback). */
typedef struct audit_entry {
	int64_t id;
	int64_t at;
	int64_t user_id;       /* 0: the system */
	const char *user_email; /* "" for the system or a deleted account */
	const char *action;
	const char *object;
	const char *detail;
} audit_entry;

typedef struct audit_query {
	const char *action_prefix; /* "" or NULL: every action; "user." matches "user.create" … */
	int64_t user_id;           /* 0: every user */
	int64_t offset;            /* entries to skip, newest first */
	int64_t limit;             /* at most this many */
} audit_query;

/* Calls fn for the entries matching q, newest first; fn returns 0 to go on.
 * Returns the number of entries passed to fn, or -1 on a database error. */
int audit_read(db_conn *c, const audit_query *q, int (*fn)(void *ud, const audit_entry *e), void *ud);

/* ---- pages (pages.c) ---- */

/* Routes of the login, logout, password and admin pages. */
extern const http_route auth_routes[];
extern const size_t auth_route_count;

#endif
